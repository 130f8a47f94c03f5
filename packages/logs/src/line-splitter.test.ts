import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_BYTES } from './line-splitter.js';

function split(chunks: (string | Buffer)[], max?: number): string[] {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l), max);
  for (const c of chunks) s.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  s.end();
  return out;
}

describe('LineSplitter', () => {
  it('splits at newlines, joins lines cut across chunks, drops CR, keeps empty lines', () => {
    expect(split(['one\ntw', 'o\r\n\nthree'])).toEqual(['one', 'two', '', 'three']);
  });

  it(`splits lines longer than ${MAX_LINE_BYTES} bytes into pieces of at most that size`, () => {
    const long = 'x'.repeat(MAX_LINE_BYTES * 2 + 5);
    const out = split([`${long}\nshort\n`]);
    expect(out.map((l) => l.length)).toEqual([MAX_LINE_BYTES, MAX_LINE_BYTES, 5, 5]);
    expect(out.join('')).toBe(`${long}short`);
  });

  it('splits a long unfinished line as it grows, without waiting for its newline', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l), 10);
    s.push(Buffer.from('a'.repeat(25)));
    expect(out).toEqual(['a'.repeat(10), 'a'.repeat(10)]);
    s.push(Buffer.from('b\n'));
    expect(out.at(-1)).toBe('aaaaab');
  });

  it('never cuts inside a UTF-8 character', () => {
    // 'é' is 2 bytes: 9 ASCII bytes + é would straddle a 10-byte cut.
    const out = split([`${'a'.repeat(9)}éé\n`], 10);
    expect(out).toEqual(['a'.repeat(9), 'éé']);
    expect(out.every((l) => !l.includes('\ufffd'))).toBe(true);
  });

  it('joins a UTF-8 character split across chunks', () => {
    const bytes = Buffer.from('héllo\n');
    expect(split([bytes.subarray(0, 2), bytes.subarray(2)])).toEqual(['héllo']);
  });
});

import { describe, expect, it } from 'vitest';
import { createLineSplitter } from './line-splitter.js';

describe('createLineSplitter', () => {
  it('splits chunks into lines, keeping multi-byte characters whole across chunks', () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('first\r\nsecond é\nthi');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of "é"
    splitter.push(bytes.subarray(0, cut));
    expect(lines).toEqual(['first']);
    splitter.push(bytes.subarray(cut));
    expect(lines).toEqual(['first', 'second é']);
    splitter.push(Buffer.from('rd\n\nlast'));
    expect(lines).toEqual(['first', 'second é', 'third', '']);
    splitter.flush();
    expect(lines).toEqual(['first', 'second é', 'third', '', 'last']);
    splitter.flush();
    expect(lines).toHaveLength(5);
  });

  it('passes on an endless line in pieces instead of keeping it all', () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((l) => lines.push(l));
    splitter.push(Buffer.alloc(200 * 1024, 'x'));
    expect(lines.length).toBe(3);
    expect(lines.every((l) => l.length === 64 * 1024)).toBe(true);
    splitter.flush();
    expect(lines.reduce((n, l) => n + l.length, 0)).toBe(200 * 1024);
  });
});

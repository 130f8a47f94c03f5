import { describe, expect, it } from 'vitest';
import { LineQueue } from './line-queue.js';

const lines = (q: LineQueue) => {
  const { json, count } = q.take();
  const parsed = JSON.parse(`[${json.toString('utf8')}]`) as unknown[];
  expect(parsed).toHaveLength(count);
  return parsed;
};

describe('LineQueue', () => {
  it('gives lines back in order as RouterLogLine JSON, and is empty afterwards', () => {
    const q = new LineQueue(10, 10_000);
    expect(q.push('a', 1.5, 'first')).toBe(true);
    expect(q.push('b', 2.25, 'path="/caf\xe9" fwd="\\"')).toBe(true);
    expect(q.length).toBe(2);
    expect(lines(q)).toEqual([
      { app: 'a', time: 1.5, line: 'first' },
      { app: 'b', time: 2.25, line: 'path="/caf\xe9" fwd="\\"' },
    ]);
    expect(q.length).toBe(0);
    expect(lines(q)).toEqual([]);
  });

  it('refuses lines beyond its bounds of lines and bytes', () => {
    const byLines = new LineQueue(2, 10_000);
    expect([byLines.push('a', 1, 'x'), byLines.push('a', 2, 'y'), byLines.push('a', 3, 'z')]).toEqual([true, true, false]);
    // Each entry is {"app":"a","time":N.NNN,"line":"…"}: 32 bytes and the quoted line, then a comma.
    const byBytes = new LineQueue(10, 85);
    expect([byBytes.push('a', 1, '0123456789'), byBytes.push('a', 2, '0123456789'), byBytes.push('a', 3, '012')]).toEqual([true, false, true]);
    expect(lines(byBytes).map((l) => (l as { line: string }).line)).toEqual(['0123456789', '012']);
  });

  it('grows past its first buffer', () => {
    const q = new LineQueue(1000, 10 * 1024 * 1024);
    const texts = Array.from({ length: 600 }, (_, i) => `${i} ${'x'.repeat(400)}`);
    for (const l of texts) q.push('a', 0, l);
    expect(lines(q).map((l) => (l as { line: string }).line)).toEqual(texts);
  });
});

import { describe, expect, it } from 'vitest';
import { LogBuffer } from './log-buffer.js';

const line = (message: string) => ({ time: '2026-01-01T00:00:00.000000+00:00', source: 'app' as const, dyno: 'web.1', message });

describe('LogBuffer', () => {
  it('numbers lines from 1 and keeps only the newest `lines`', () => {
    const b = new LogBuffer({ lines: 3, bytes: 1e9 });
    for (let i = 1; i <= 5; i++) b.append(line(`m${i}`));
    expect(b.all().map((l) => [l.seq, l.message])).toEqual([
      [3, 'm3'],
      [4, 'm4'],
      [5, 'm5'],
    ]);
    expect([b.firstSeq, b.lastSeq, b.length]).toEqual([3, 5, 3]);
  });

  it('also evicts by size, but always keeps the newest line', () => {
    const b = new LogBuffer({ lines: 100, bytes: 1000 });
    b.append(line('a'.repeat(400)));
    b.append(line('b'.repeat(400)));
    expect(b.all().map((l) => l.seq)).toEqual([2]);
    b.append(line('c'.repeat(5000)));
    expect(b.all().map((l) => l.seq)).toEqual([3]);
  });

  it('answers lines after a sequence number, with a limit, also after many evictions', () => {
    const b = new LogBuffer({ lines: 1500, bytes: 1e9 });
    for (let i = 1; i <= 10_000; i++) b.append(line(`m${i}`));
    expect(b.after(9_997).map((l) => l.seq)).toEqual([9_998, 9_999, 10_000]);
    expect(b.after(0, 2).map((l) => l.seq)).toEqual([8_501, 8_502]);
    expect(b.after(10_000)).toEqual([]);
    expect(b.firstSeq).toBe(8_501);
  });

  it('restores lines with their numbers and continues after the last one', () => {
    const b = new LogBuffer({ lines: 10, bytes: 1e9 });
    b.restore([
      { seq: 41, ...line('x') },
      { seq: 42, ...line('y') },
    ]);
    expect(b.append(line('z')).seq).toBe(43);
    expect(b.firstSeq).toBe(41);
  });
});

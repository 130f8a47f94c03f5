import { describe, expect, it } from 'vitest';
import { formatAccessLine, type AccessRecord } from '@paas/router';
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

  it('encodes records as the lines formatAccessLine writes', () => {
    const record: AccessRecord = {
      method: 'GET',
      path: '/caf\xe9?q="1"',
      hostHeader: 'myapp.localhost',
      requestId: 'abc',
      forwardedFor: '127.0.0.1',
      dyno: 'web.1',
      connectMs: 1,
      serviceMs: 5,
      status: 200,
      bytes: 1234,
      protocol: 'http',
      code: undefined,
    };
    const q = new LineQueue(10, 10_000);
    expect(q.pushRecord('my-app', 1.0005, record)).toBe(true);
    expect(q.push('my-app', 2, formatAccessLine(record))).toBe(true);
    expect(q.pushRecord('b', 3.25, { ...record, code: 'H12', status: 503 })).toBe(true);
    expect(lines(q)).toEqual([
      { app: 'my-app', time: 1, line: formatAccessLine(record) },
      { app: 'my-app', time: 2, line: formatAccessLine(record) },
      { app: 'b', time: 3.25, line: formatAccessLine({ ...record, code: 'H12', status: 503 }) },
    ]);
  });

  it('hands out its filled buffer and goes on in another, so a taken report stays intact until the next take', () => {
    const q = new LineQueue(100, 100_000);
    q.push('a', 1, 'first');
    const taken = q.take();
    const copy = Buffer.from(taken.json);
    for (let i = 0; i < 50; i++) q.push('a', 2, `second ${i}`);
    expect(taken.json.equals(copy)).toBe(true);
    expect(lines(q)).toHaveLength(50);
    // An empty take changes nothing.
    expect(q.take()).toEqual({ json: Buffer.alloc(0), count: 0 });
  });
});

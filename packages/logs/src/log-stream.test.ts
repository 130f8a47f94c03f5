import type { Readable } from 'node:stream';
import { silentLogger, type LogRecord } from '@paas/core';
import { FakeClock } from '@paas/core/testing';
import { describe, expect, it } from 'vitest';
import { createLogService } from './log-service.js';

const APP = 'app-1';

function setup(bufferLines = 1500) {
  const clock = new FakeClock();
  const logs = createLogService({ clock, logger: silentLogger, defer: () => {}, bufferLines, pingIntervalMs: 15_000 });
  const write = (n: number, from = 1) => {
    for (let i = from; i < from + n; i++) logs.write(APP, { source: 'paas', dyno: 'api', message: `m${i}` });
    logs.flush();
  };
  return { logs, clock, write };
}

/** Reads records as they come. */
function reader(stream: Readable) {
  const records: LogRecord[] = [];
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      records.push(JSON.parse(text.slice(0, nl)) as LogRecord);
      text = text.slice(nl + 1);
    }
  });
  const ended = new Promise<void>((resolve) => stream.on('end', resolve));
  return { records, ended, messages: () => records.flatMap((r) => ('seq' in r ? [r.message] : [])) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('log streams', () => {
  it('without tail: the last N lines, then the end', async () => {
    const { logs, write } = setup();
    write(10);
    const r = reader(logs.open(APP, { lines: 3 }, { tail: false }));
    await r.ended;
    expect(r.messages()).toEqual(['m8', 'm9', 'm10']);
  });

  it('with tail: the last N lines, then new lines as they are committed', async () => {
    const { logs, write } = setup();
    write(5);
    const stream = logs.open(APP, { lines: 2 }, { tail: true });
    const r = reader(stream);
    await tick();
    expect(r.messages()).toEqual(['m4', 'm5']);
    write(2, 6);
    await tick();
    expect(r.messages()).toEqual(['m4', 'm5', 'm6', 'm7']);
    stream.destroy();
  });

  it('resumes after a sequence number without losing or repeating a line', async () => {
    const { logs, write } = setup();
    write(5);
    const first = logs.open(APP, { lines: 100 }, { tail: true });
    const a = reader(first);
    await tick();
    first.destroy(); // the connection drops
    const last = a.records.at(-1) as { seq: number };
    write(3, 6); // lines written while disconnected
    const second = logs.open(APP, { after: last.seq }, { tail: true });
    const b = reader(second);
    await tick();
    write(1, 9);
    await tick();
    expect([...a.messages(), ...b.messages()]).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    second.destroy();
  });

  it('a reader resuming after lines left the buffer is told how many it missed', async () => {
    const { logs, write } = setup(5);
    write(20);
    const r = reader(logs.open(APP, { after: 10 }, { tail: false }));
    await r.ended;
    expect(r.records[0]).toEqual({ dropped: 5 });
    expect(r.messages()).toEqual(['m16', 'm17', 'm18', 'm19', 'm20']);
  });

  it('a reader that does not read never holds up writers; it gets a gap, then the newest lines', async () => {
    const { logs, write } = setup(100);
    write(1);
    const stream = logs.open(APP, { lines: 1 }, { tail: true });
    stream.pause(); // a client that stopped reading
    const start = performance.now();
    for (let i = 0; i < 200; i++) write(100, 2 + i * 100);
    expect(performance.now() - start).toBeLessThan(5000);
    expect(stream.readableLength).toBeLessThan(200 * 1024); // bounded, not the 20,000 lines written
    const r = reader(stream);
    stream.resume();
    await tick();
    await tick();
    const gap = r.records.find((x) => 'dropped' in x) as { dropped: number } | undefined;
    expect(gap?.dropped).toBeGreaterThan(19_000);
    expect(r.messages().at(-1)).toBe('m20001');
    const seqs = r.records.flatMap((x) => ('seq' in x ? [x.seq] : []));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    stream.destroy();
  });

  it('sends a keep-alive record while tailing, on the clock', async () => {
    const { logs, clock } = setup();
    const stream = logs.open(APP, {}, { tail: true });
    const r = reader(stream);
    await tick();
    expect(r.records).toEqual([{ ping: true }]); // the first, at once
    clock.advance(14_999);
    await tick();
    expect(r.records).toHaveLength(1);
    clock.advance(1);
    await tick();
    expect(r.records).toEqual([{ ping: true }, { ping: true }]);
    stream.destroy();
    clock.advance(15_000);
    expect(clock.pendingTimers).toBe(0);
  });

  it('filters a tail by source and dyno', async () => {
    const { logs } = setup();
    const stream = logs.open(APP, { source: 'app', dyno: 'web' }, { tail: true });
    const r = reader(stream);
    logs.write(APP, { source: 'app', dyno: 'web.1', message: 'yes' });
    logs.write(APP, { source: 'app', dyno: 'worker.1', message: 'no' });
    logs.write(APP, { source: 'paas', dyno: 'web.1', message: 'no' });
    logs.write(APP, { source: 'app', dyno: 'web.2', message: 'yes too' });
    logs.flush();
    await tick();
    expect(r.messages()).toEqual(['yes', 'yes too']);
    stream.destroy();
  });
});

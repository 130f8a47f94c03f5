import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@paas/core';
import { FakeClock } from '@paas/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogService, type LogServiceOptions } from './log-service.js';

const APP = '7f0c1a2b-0000-4000-8000-000000000001';
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(extra: Partial<LogServiceOptions> = {}) {
  const dir = extra.dir ?? mkdtempSync(join(tmpdir(), 'paas-logs-'));
  dirs.push(dir);
  const clock = new FakeClock(Date.UTC(2026, 10, 29, 18));
  const logs = createLogService({ clock, logger: silentLogger, dir, defer: () => {}, ...extra });
  return { logs, clock, dir };
}

describe('log service', () => {
  it('stamps lines with RFC 3339 microsecond times and filters by source and dyno (or process type)', () => {
    const { logs } = setup();
    logs.write(APP, { source: 'app', dyno: 'web.1', message: 'listening on 5000', time: Date.UTC(2026, 10, 29, 18) + 0.123 });
    logs.write(APP, { source: 'paas', dyno: 'router', message: 'at=info method=GET' });
    logs.write(APP, { source: 'app', dyno: 'worker.1', message: 'working' });
    logs.write(APP, { source: 'paas', dyno: 'web.1', message: 'State changed from starting to up' });
    logs.flush();
    expect(logs.read(APP)[0]).toEqual({ seq: 1, time: '2026-11-29T18:00:00.000123+00:00', source: 'app', dyno: 'web.1', message: 'listening on 5000' });
    expect(logs.read(APP, { source: 'app' }).map((l) => l.seq)).toEqual([1, 3]);
    expect(logs.read(APP, { dyno: 'router' }).map((l) => l.seq)).toEqual([2]);
    expect(logs.read(APP, { dyno: 'web' }).map((l) => l.seq)).toEqual([1, 4]);
    expect(logs.read(APP, { source: 'paas', dyno: 'web.1' }).map((l) => l.seq)).toEqual([4]);
    expect(logs.read(APP, { lines: 2 }).map((l) => l.seq)).toEqual([3, 4]);
    expect(logs.read(APP, { after: 2 }).map((l) => l.seq)).toEqual([3, 4]);
    expect(logs.lastTime(APP, 'app', 'worker.1')).toBe(Date.UTC(2026, 10, 29, 18));
    expect(logs.lastTime(APP, 'app', 'web.1')).toBe(Date.UTC(2026, 10, 29, 18) + 0.123);
    expect(logs.lastTime(APP, 'app', 'clock.1')).toBe(Date.UTC(2026, 10, 29, 18) + 0.123); // none kept: the oldest line
    expect(logs.lastTime('other-app', 'app', 'web.1')).toBeUndefined();
  });

  it('shows lines only once they are committed (written to disk)', () => {
    const { logs } = setup();
    logs.write(APP, { source: 'app', dyno: 'web.1', message: 'a' });
    expect(logs.read(APP)).toEqual([]);
    logs.flush();
    expect(logs.read(APP)).toHaveLength(1);
  });

  it('keeps the lines and their numbering across a restart, and continues after the last number', async () => {
    const first = setup({ bufferLines: 5 });
    for (let i = 1; i <= 8; i++) first.logs.write(APP, { source: 'app', dyno: 'web.1', message: `m${i}` });
    first.logs.flush();
    // No close(): as after a SIGKILL.
    const second = setup({ dir: first.dir, bufferLines: 5 });
    expect(second.logs.read(APP).map((l) => [l.seq, l.message])).toEqual([4, 5, 6, 7, 8].map((n) => [n, `m${n}`]));
    second.logs.write(APP, { source: 'app', dyno: 'web.1', message: 'm9' });
    second.logs.flush();
    expect(second.logs.read(APP, { lines: 1 })[0]).toMatchObject({ seq: 9, message: 'm9' });
  });

  it('repairs a torn last line left by a crash mid-write', () => {
    const first = setup();
    first.logs.write(APP, { source: 'app', dyno: 'web.1', message: 'whole' });
    first.logs.flush();
    const file = join(first.dir, 'apps', `${APP}.ndjson`);
    appendFileSync(file, '{"seq":2,"time":"2026-');
    const second = setup({ dir: first.dir });
    expect(second.logs.read(APP).map((l) => l.message)).toEqual(['whole']);
    second.logs.write(APP, { source: 'app', dyno: 'web.1', message: 'next' });
    second.logs.flush();
    const third = setup({ dir: first.dir });
    expect(third.logs.read(APP).map((l) => [l.seq, l.message])).toEqual([
      [1, 'whole'],
      [2, 'next'],
    ]);
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
  });

  it('keeps the file bounded by compacting it to the buffer', () => {
    const { logs, dir } = setup({ bufferLines: 100 });
    const file = join(dir, 'apps', `${APP}.ndjson`);
    let largest = 0;
    for (let i = 0; i < 5000; i++) {
      logs.write(APP, { source: 'paas', dyno: 'api', message: `line ${i} ${'x'.repeat(50)}` });
      if (i % 7 === 0) logs.flush();
      largest = Math.max(largest, statSync(file, { throwIfNoEntry: false })?.size ?? 0);
    }
    logs.flush();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(200);
    expect(largest).toBeLessThan(220 * 200);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ seq: 5000 });
  });

  it('drops over-budget dyno output and router lines, counts them, and reports L10 as paas[logplex]', () => {
    const { logs, clock } = setup({ rate: { linesPerSecond: 10, burst: 10, reportIntervalMs: 1000 } });
    for (let i = 0; i < 50; i++) logs.write(APP, { source: 'app', dyno: 'web.1', message: `flood ${i}` });
    for (let i = 0; i < 3; i++) logs.write(APP, { source: 'paas', dyno: 'web.1', message: `platform ${i}` });
    clock.advance(1000);
    logs.flush();
    const lines = logs.read(APP, { lines: 1500 });
    expect(lines.filter((l) => l.source === 'app')).toHaveLength(10);
    expect(lines.filter((l) => l.message.startsWith('platform'))).toHaveLength(3); // the platform's own lines are never dropped
    expect(lines.at(-1)).toMatchObject({
      source: 'paas',
      dyno: 'logplex',
      message: 'Error L10 (output buffer overflow): 40 messages dropped since 2026-11-29T18:00:00.000000+00:00.',
    });
  });

  it('prunes what it keeps for apps that no longer exist', async () => {
    const { logs, dir } = setup();
    const GONE = '7f0c1a2b-0000-4000-8000-00000000dead';
    logs.write(APP, { source: 'paas', dyno: 'api', message: 'kept' });
    logs.write(GONE, { source: 'paas', dyno: 'api', message: 'orphan' });
    logs.drains.add(GONE, 'syslog://127.0.0.1:1');
    logs.flush();
    const again = setup({ dir });
    again.logs.prune(new Set([APP]));
    expect(again.logs.read(APP).map((l) => l.message)).toEqual(['kept']);
    expect(statSync(join(dir, 'apps', `${GONE}.ndjson`), { throwIfNoEntry: false })).toBeUndefined();
    expect(again.logs.drains.list(GONE)).toEqual([]);
    await Promise.all([logs.close(), again.logs.close()]);
  });

  it('forgets a destroyed app: lines, file and readers', async () => {
    const { logs, dir } = setup();
    logs.write(APP, { source: 'app', dyno: 'web.1', message: 'a' });
    logs.flush();
    const reader = logs.open(APP, {}, { tail: true });
    const ended = new Promise((resolve) => reader.on('end', resolve).resume());
    logs.removeApp(APP);
    await ended;
    expect(statSync(join(dir, 'apps', `${APP}.ndjson`), { throwIfNoEntry: false })).toBeUndefined();
    expect(logs.read(APP)).toEqual([]);
  });
});

import type { AppRequestMetrics, Logger, RouterReport } from '@paas/core';
import { FakeClock } from '@paas/core/testing';
import { describe, expect, it } from 'vitest';
import { formatAccessLine, type AccessRecord } from '@paas/router';
import { createReporter, diffMetrics, type ReporterDeps } from './reporter.js';

/** A control plane whose answers the test decides: accepted, refused, or held. */
class FakeTarget {
  readonly reports: RouterReport[] = [];
  mode: 'accept' | 'fail' | 'hold' = 'accept';
  private held: (() => void)[] = [];
  routerReportJson(json: Uint8Array): Promise<void> {
    this.reports.push(JSON.parse(Buffer.from(json).toString('utf8')) as RouterReport);
    if (this.mode === 'fail') return Promise.reject(new Error('connect ECONNREFUSED'));
    if (this.mode === 'hold') return new Promise((resolve) => this.held.push(resolve));
    return Promise.resolve();
  }
  release(): void {
    for (const r of this.held.splice(0)) r();
  }
}

function metrics(app: string, classes: [number, number, number, number, number], buckets: number[] = [], sum = 0): AppRequestMetrics {
  const latencyBuckets = new Array<number>(15).fill(0);
  buckets.forEach((v, i) => (latencyBuckets[i] = v));
  return { app, statusClasses: classes, latencyBuckets, latencySumMs: sum };
}

function setup(overrides: Partial<ReporterDeps> = {}) {
  const clock = new FakeClock(0);
  const target = new FakeTarget();
  const warnings: string[] = [];
  const infos: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: (_o, m) => void infos.push(m ?? ''),
    warn: (_o, m) => void warnings.push(m ?? ''),
    error: () => {},
    child: () => logger,
  };
  let current: AppRequestMetrics[] = [];
  let t = 1000;
  const reporter = createReporter({
    target,
    routerId: 'r1',
    metrics: () => current,
    clock,
    logger,
    lineTime: () => t++,
    ...overrides,
  });
  return {
    clock,
    target,
    reporter,
    warnings,
    infos,
    setMetrics: (m: AppRequestMetrics[]) => (current = m),
    /** Advances the clock and lets the report's promise chain settle. */
    advance: async (ms: number) => {
      clock.advance(ms);
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    },
  };
}

describe('createReporter', () => {
  it('sends lines and metric deltas once per interval, and nothing while idle', async () => {
    const s = setup();
    s.reporter.start();
    s.reporter.accessLog('a', 'at=info method=GET path="/"');
    s.reporter.accessLog('b', 'at=info method=POST path="/x"');
    s.setMetrics([metrics('a', [0, 1, 0, 0, 0], [1], 0.5), metrics('b', [0, 0, 0, 0, 1], [0, 1], 2)]);
    await s.advance(999);
    expect(s.target.reports).toHaveLength(0);
    await s.advance(1);
    expect(s.target.reports).toEqual([
      {
        router: 'r1',
        lines: [
          { app: 'a', time: 1000, line: 'at=info method=GET path="/"' },
          { app: 'b', time: 1001, line: 'at=info method=POST path="/x"' },
        ],
        dropped: 0,
        metrics: [metrics('a', [0, 1, 0, 0, 0], [1], 0.5), metrics('b', [0, 0, 0, 0, 1], [0, 1], 2)],
      },
    ]);
    await s.advance(5000);
    expect(s.target.reports).toHaveLength(1);
    // Only what is new since the acknowledged report.
    s.setMetrics([metrics('a', [0, 3, 0, 0, 0], [3], 1.5), metrics('b', [0, 0, 0, 0, 1], [0, 1], 2)]);
    await s.advance(1000);
    expect(s.target.reports[1]).toEqual({ router: 'r1', lines: [], dropped: 0, metrics: [metrics('a', [0, 2, 0, 0, 0], [2], 1)] });
  });

  it('has one report in flight at a time', async () => {
    const s = setup();
    s.target.mode = 'hold';
    s.reporter.start();
    s.reporter.accessLog('a', 'one');
    await s.advance(1000);
    s.reporter.accessLog('a', 'two');
    await s.advance(5000);
    expect(s.target.reports).toHaveLength(1);
    s.target.mode = 'accept';
    s.target.release();
    await s.advance(0);
    await s.advance(1000);
    expect(s.target.reports.map((r) => r.lines.map((l) => l.line))).toEqual([['one'], ['two']]);
  });

  it('retries with backoff while the control plane fails, keeping lines up to the bound and metric deltas', async () => {
    const s = setup({ maxPendingLines: 3, maxBackoffMs: 8000 });
    s.target.mode = 'fail';
    for (const l of ['l1', 'l2']) s.reporter.accessLog('a', l);
    s.reporter.start();
    s.setMetrics([metrics('a', [0, 2, 0, 0, 0], [2])]);
    const attempts: number[] = [];
    for (let ms = 0; ms < 30_000; ms += 250) {
      const before = s.target.reports.length;
      await s.advance(250);
      if (s.target.reports.length > before) attempts.push(s.clock.now());
      if (ms === 5000) for (const l of ['l3', 'l4', 'l5']) s.reporter.accessLog('a', l);
    }
    // 1 s, then 2, 4, 8 and 8 s again (the cap) between attempts.
    expect(attempts).toEqual([1000, 3000, 7000, 15_000, 23_000]);
    expect(s.warnings).toEqual(['could not send the router report; retrying']);
    expect(s.reporter.stats()).toEqual({ pending: 3, dropped: 2, failures: 5 });
    s.setMetrics([metrics('a', [0, 5, 0, 1, 0], [6])]);
    s.target.mode = 'accept';
    await s.advance(8000);
    const last = s.target.reports.at(-1)!;
    expect(last.lines.map((l) => l.line)).toEqual(['l1', 'l2', 'l3']);
    expect(last.dropped).toBe(2);
    expect(last.droppedByApp).toEqual({ a: 2 });
    expect(last.metrics).toEqual([metrics('a', [0, 5, 0, 1, 0], [6])]);
    expect(s.infos).toContain('control plane accepts reports again');
    expect(s.reporter.stats()).toEqual({ pending: 0, dropped: 0, failures: 0 });
    // Back to the normal interval.
    s.reporter.accessLog('a', 'l6');
    await s.advance(1000);
    expect(s.target.reports.at(-1)!.lines.map((l) => l.line)).toEqual(['l6']);
  });

  it('takes records from the router and encodes their lines', async () => {
    const s = setup();
    s.reporter.start();
    const record: AccessRecord = {
      method: 'GET',
      path: '/a"b',
      hostHeader: 'a.localhost',
      requestId: 'id',
      forwardedFor: '127.0.0.1',
      dyno: 'web.1',
      connectMs: 0,
      serviceMs: 3,
      status: 200,
      bytes: 5,
      protocol: 'http',
      code: undefined,
    };
    s.reporter.accessLog.record('a', record);
    s.reporter.accessLog('b', 'a line');
    await s.advance(1000);
    expect(s.target.reports[0]!.lines).toEqual([
      { app: 'a', time: 1000, line: formatAccessLine(record) },
      { app: 'b', time: 1001, line: 'a line' },
    ]);
  });

  it('keeps the bytes of a report in flight while lines go on arriving, and of a failed one for the retry', async () => {
    const s = setup();
    const kept: Uint8Array[] = [];
    let fail = false;
    const release: (() => void)[] = [];
    s.target.routerReportJson = (json: Uint8Array) => {
      kept.push(json);
      return new Promise<void>((resolve, reject) => release.push(() => (fail ? reject(new Error('down')) : resolve())));
    };
    const parsed = (json: Uint8Array) => (JSON.parse(Buffer.from(json).toString('utf8')) as RouterReport).lines.map((l) => l.line);
    s.reporter.start();
    s.reporter.accessLog('a', 'one');
    await s.advance(1000);
    for (let i = 0; i < 100; i++) s.reporter.accessLog('a', `two ${i}`);
    expect(parsed(kept[0]!)).toEqual(['one']);
    fail = true;
    release.shift()!();
    await s.advance(0);
    for (let i = 0; i < 100; i++) s.reporter.accessLog('a', `three ${i}`);
    await s.advance(2000);
    expect(kept).toHaveLength(2);
    expect(parsed(kept[1]!)).toEqual(['one', ...Array.from({ length: 100 }, (_, i) => `two ${i}`), ...Array.from({ length: 100 }, (_, i) => `three ${i}`)]);
    fail = false;
    release.shift()!();
    await s.advance(0);
    expect(s.reporter.stats()).toEqual({ pending: 0, dropped: 0, failures: 0 });
  });

  it('reports early when half the bound is pending', async () => {
    const s = setup({ maxPendingLines: 10 });
    s.reporter.start();
    for (let i = 0; i < 4; i++) s.reporter.accessLog('a', `l${i}`);
    await s.advance(0);
    expect(s.target.reports).toHaveLength(0);
    s.reporter.accessLog('a', 'l4');
    await s.advance(0);
    expect(s.target.reports.map((r) => r.lines.length)).toEqual([5]);
  });

  it('sends what is pending when stopped', async () => {
    const s = setup();
    s.reporter.start();
    s.reporter.accessLog('a', 'last words');
    await s.reporter.stop();
    expect(s.target.reports.map((r) => r.lines.map((l) => l.line))).toEqual([['last words']]);
    expect(s.clock.pendingTimers).toBe(0);
  });
});

describe('diffMetrics', () => {
  it('subtracts the acknowledged snapshot and leaves out apps without new requests', () => {
    const acked = new Map([
      ['a', metrics('a', [0, 1, 0, 0, 0], [1], 1)],
      ['b', metrics('b', [0, 1, 0, 0, 0], [1], 1)],
    ]);
    expect(diffMetrics([metrics('a', [0, 3, 1, 0, 0], [2, 2], 9), metrics('b', [0, 1, 0, 0, 0], [1], 1), metrics('c', [1, 0, 0, 0, 0], [1], 0)], acked)).toEqual([
      metrics('a', [0, 2, 1, 0, 0], [1, 2], 8),
      metrics('c', [1, 0, 0, 0, 0], [1], 0),
    ]);
  });

  it('reports counters that went backwards whole', () => {
    const acked = new Map([['a', metrics('a', [0, 9, 0, 0, 0], [9], 9)]]);
    expect(diffMetrics([metrics('a', [0, 2, 0, 0, 0], [2], 2)], acked)).toEqual([metrics('a', [0, 2, 0, 0, 0], [2], 2)]);
  });
});

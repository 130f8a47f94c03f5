import type { AppRequestMetrics } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { WorkerMetrics } from './worker-metrics.js';

const m = (app: string, ok: number, sum = ok): AppRequestMetrics => ({ app, statusClasses: [0, ok, 0, 0, 0], latencyBuckets: [ok, 0], latencySumMs: sum });

describe('WorkerMetrics', () => {
  it('sums live workers and keeps what exited workers counted', () => {
    const w = new WorkerMetrics();
    w.update(1, [m('a', 2), m('b', 1)]);
    w.update(2, [m('a', 3)]);
    expect(w.total()).toEqual([m('a', 5), m('b', 1)]);
    w.update(2, [m('a', 4)]);
    w.retire(2);
    // Its replacement starts from zero; the totals do not go backwards.
    w.update(3, [m('a', 1)]);
    expect(w.total()).toEqual([m('a', 7), m('b', 1)]);
  });
});

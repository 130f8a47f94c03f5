import type { AppRequestMetrics } from '@paas/core';

/**
 * The per-app counters of a cluster of router workers, as the primary serves them on `/metrics`: the
 * latest cumulative snapshot of each live worker, plus what workers that exited had counted (so the
 * totals never go backwards when a worker is replaced).
 */
export class WorkerMetrics {
  private readonly live = new Map<number, AppRequestMetrics[]>();
  private retired: AppRequestMetrics[] = [];

  /** A worker's cumulative counters, as it last reported them. */
  update(worker: number, metrics: AppRequestMetrics[]): void {
    this.live.set(worker, metrics);
  }

  /** A worker exited: its last counters are kept in the totals. */
  retire(worker: number): void {
    const last = this.live.get(worker);
    this.live.delete(worker);
    if (last !== undefined) this.retired = sumMetrics([this.retired, last]);
  }

  total(): AppRequestMetrics[] {
    return sumMetrics([this.retired, ...this.live.values()]);
  }
}

/** Adds counters app by app. */
export function sumMetrics(lists: readonly (readonly AppRequestMetrics[])[]): AppRequestMetrics[] {
  const byApp = new Map<string, AppRequestMetrics>();
  for (const list of lists) {
    for (const m of list) {
      const into = byApp.get(m.app);
      if (into === undefined) {
        byApp.set(m.app, { app: m.app, statusClasses: [...m.statusClasses], latencyBuckets: [...m.latencyBuckets], latencySumMs: m.latencySumMs });
        continue;
      }
      for (let i = 0; i < 5; i++) into.statusClasses[i]! += m.statusClasses[i]!;
      m.latencyBuckets.forEach((v, i) => (into.latencyBuckets[i] = (into.latencyBuckets[i] ?? 0) + v));
      into.latencySumMs += m.latencySumMs;
    }
  }
  return [...byApp.values()];
}

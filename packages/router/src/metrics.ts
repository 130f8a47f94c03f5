import { LATENCY_BUCKETS_MS, type AppRequestMetrics } from '@paas/core';

/**
 * One app's request counters since the router started: by status class, and a histogram of service
 * times over `LATENCY_BUCKETS_MS`. Recording is a few additions; snapshots are taken by readers.
 */
export class AppMetrics {
  private readonly classes = [0, 0, 0, 0, 0];
  private readonly buckets: number[] = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  private sumMs = 0;

  constructor(readonly app: string) {}

  record(status: number, ms: number): void {
    const cls = ((status / 100) | 0) - 1;
    this.classes[cls < 0 ? 0 : cls > 4 ? 4 : cls]!++;
    const bounds = LATENCY_BUCKETS_MS;
    let i = 0;
    while (i < bounds.length && ms > bounds[i]!) i++;
    this.buckets[i]!++;
    this.sumMs += ms;
  }

  /** Cumulative counts (not deltas): bucket `i` counts requests in (`LATENCY_BUCKETS_MS[i-1]`, `LATENCY_BUCKETS_MS[i]`]. */
  snapshot(): AppRequestMetrics {
    const c = this.classes;
    return { app: this.app, statusClasses: [c[0]!, c[1]!, c[2]!, c[3]!, c[4]!], latencyBuckets: [...this.buckets], latencySumMs: this.sumMs };
  }
}

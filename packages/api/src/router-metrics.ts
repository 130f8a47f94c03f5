import { LATENCY_BUCKETS_MS, type AppRequestMetrics } from '@paas/core';

/** Totals of one app's requests since the control plane started, summed over every router's reports. */
export interface AppRequestTotals {
  app: string;
  statusClasses: [number, number, number, number, number];
  latencyBuckets: number[];
  latencySumMs: number;
  count: number;
}

/** Sums the routers' per-app metric deltas into totals for `paas metrics` and Prometheus. */
export class RouterMetrics {
  private readonly totals = new Map<string, AppRequestTotals>();

  record(deltas: AppRequestMetrics[]): void {
    for (const d of deltas) {
      let t = this.totals.get(d.app);
      if (!t) {
        t = { app: d.app, statusClasses: [0, 0, 0, 0, 0], latencyBuckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), latencySumMs: 0, count: 0 };
        this.totals.set(d.app, t);
      }
      for (let i = 0; i < 5; i++) t.statusClasses[i] = t.statusClasses[i]! + (d.statusClasses[i] ?? 0);
      for (let i = 0; i < t.latencyBuckets.length; i++) t.latencyBuckets[i] = t.latencyBuckets[i]! + (d.latencyBuckets[i] ?? 0);
      t.latencySumMs += d.latencySumMs;
      t.count += d.statusClasses.reduce((a, b) => a + b, 0);
    }
  }

  forApp(app: string): AppRequestTotals | undefined {
    return this.totals.get(app);
  }

  forget(app: string): void {
    this.totals.delete(app);
  }

  /** Prometheus text exposition of every app's totals. */
  prometheus(): string {
    const out: string[] = [
      '# HELP paas_router_requests_total Requests served by the router, by app and status class.',
      '# TYPE paas_router_requests_total counter',
    ];
    const apps = [...this.totals.values()].sort((a, b) => a.app.localeCompare(b.app));
    for (const t of apps) {
      t.statusClasses.forEach((n, i) => out.push(`paas_router_requests_total{app="${t.app}",status_class="${i + 1}xx"} ${n}`));
    }
    out.push('# HELP paas_router_request_duration_ms Router service time of requests, by app.', '# TYPE paas_router_request_duration_ms histogram');
    for (const t of apps) {
      let cumulative = 0;
      t.latencyBuckets.forEach((n, i) => {
        cumulative += n;
        const le = i < LATENCY_BUCKETS_MS.length ? String(LATENCY_BUCKETS_MS[i]) : '+Inf';
        out.push(`paas_router_request_duration_ms_bucket{app="${t.app}",le="${le}"} ${cumulative}`);
      });
      out.push(`paas_router_request_duration_ms_sum{app="${t.app}"} ${t.latencySumMs}`);
      out.push(`paas_router_request_duration_ms_count{app="${t.app}"} ${t.count}`);
    }
    return `${out.join('\n')}\n`;
  }
}

/** Estimated percentile (ms) from histogram buckets: the upper bound of the bucket it falls in. */
export function percentileFromBuckets(buckets: number[], p: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= rank) return i < LATENCY_BUCKETS_MS.length ? LATENCY_BUCKETS_MS[i]! : Infinity;
  }
  return null;
}

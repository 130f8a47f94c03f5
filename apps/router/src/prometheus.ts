import { LATENCY_BUCKETS_MS, type AppRequestMetrics } from '@paas/core';

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/**
 * The router's per-app counters in Prometheus' text format (0.0.4): requests by status class, and the
 * service-time histogram with cumulative `le` buckets, `_sum` and `_count`.
 */
export function formatPrometheus(metrics: readonly AppRequestMetrics[]): string {
  const sorted = [...metrics].sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : 0));
  const lines: string[] = [
    '# HELP paas_router_requests_total Requests the router finished, by app and status class.',
    '# TYPE paas_router_requests_total counter',
  ];
  for (const m of sorted) {
    const app = label(m.app);
    STATUS_CLASSES.forEach((cls, i) => lines.push(`paas_router_requests_total{app="${app}",status_class="${cls}"} ${m.statusClasses[i] ?? 0}`));
  }
  lines.push(
    '# HELP paas_router_request_duration_ms Time the dyno took to answer (service time), in milliseconds.',
    '# TYPE paas_router_request_duration_ms histogram',
  );
  for (const m of sorted) {
    const app = label(m.app);
    let cumulative = 0;
    LATENCY_BUCKETS_MS.forEach((le, i) => {
      cumulative += m.latencyBuckets[i] ?? 0;
      lines.push(`paas_router_request_duration_ms_bucket{app="${app}",le="${le}"} ${cumulative}`);
    });
    cumulative += m.latencyBuckets[LATENCY_BUCKETS_MS.length] ?? 0;
    lines.push(`paas_router_request_duration_ms_bucket{app="${app}",le="+Inf"} ${cumulative}`);
    lines.push(`paas_router_request_duration_ms_sum{app="${app}"} ${m.latencySumMs}`);
    lines.push(`paas_router_request_duration_ms_count{app="${app}"} ${cumulative}`);
  }
  return lines.join('\n') + '\n';
}

/** A label value: backslash, double quote and line feed escaped. */
function label(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

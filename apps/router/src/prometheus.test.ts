import { describe, expect, it } from 'vitest';
import { formatPrometheus } from './prometheus.js';

describe('formatPrometheus', () => {
  it('writes counters by status class and a cumulative histogram per app', () => {
    const buckets = new Array<number>(15).fill(0);
    buckets[0] = 2; // <= 1 ms
    buckets[3] = 1; // <= 10 ms
    buckets[14] = 1; // > 30 s
    const text = formatPrometheus([{ app: 'web"app', statusClasses: [0, 3, 0, 1, 0], latencyBuckets: buckets, latencySumMs: 40_012.5 }]);
    const lines = text.trimEnd().split('\n');
    expect(lines).toContain('# TYPE paas_router_requests_total counter');
    expect(lines).toContain('paas_router_requests_total{app="web\\"app",status_class="2xx"} 3');
    expect(lines).toContain('paas_router_requests_total{app="web\\"app",status_class="4xx"} 1');
    expect(lines).toContain('# TYPE paas_router_request_duration_ms histogram');
    expect(lines).toContain('paas_router_request_duration_ms_bucket{app="web\\"app",le="1"} 2');
    expect(lines).toContain('paas_router_request_duration_ms_bucket{app="web\\"app",le="5"} 2');
    expect(lines).toContain('paas_router_request_duration_ms_bucket{app="web\\"app",le="10"} 3');
    expect(lines).toContain('paas_router_request_duration_ms_bucket{app="web\\"app",le="30000"} 3');
    expect(lines).toContain('paas_router_request_duration_ms_bucket{app="web\\"app",le="+Inf"} 4');
    expect(lines).toContain('paas_router_request_duration_ms_sum{app="web\\"app"} 40012.5');
    expect(lines).toContain('paas_router_request_duration_ms_count{app="web\\"app"} 4');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('has only the headers when nothing was served', () => {
    expect(formatPrometheus([]).split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_MS, type RouterReport } from '@paas/core';
import { auth, deploy, setup } from '../control-plane.harness.js';

const buckets = (entries: Record<number, number>) => Array.from({ length: LATENCY_BUCKETS_MS.length + 1 }, (_, i) => entries[i] ?? 0);

describe('metrics', () => {
  it('sums the routers’ reports per app: status classes, mean and percentiles from the histogram', async () => {
    const { plane } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'measured' } });
    const report = (router: string, statusClasses: RouterReport['metrics'][number]['statusClasses'], b: Record<number, number>, sum: number): RouterReport => ({
      router,
      lines: [],
      dropped: 0,
      metrics: [{ app: 'measured', statusClasses, latencyBuckets: buckets(b), latencySumMs: sum }],
    });
    // 90 fast requests (≤ 2.5 ms) and 10 slow ones (≤ 250 ms), from two routers.
    for (const body of [report('r1', [0, 60, 0, 0, 0], { 1: 60 }, 90), report('r2', [0, 30, 0, 5, 5], { 1: 30, 7: 10 }, 1545)]) {
      const res = await plane.api.inject({ method: 'POST', url: '/router/reports', headers: auth, payload: body });
      expect(res.statusCode).toBe(204);
    }
    const m = (await plane.api.inject({ url: '/apps/measured/metrics', headers: auth })).json();
    expect(m).toEqual({
      app: 'measured',
      requests: { total: 100, '1xx': 0, '2xx': 90, '3xx': 0, '4xx': 5, '5xx': 5 },
      latency_ms: { mean: 16.35, p50: 2.5, p95: 250, p99: 250 },
    });
  });

  it('serves Prometheus text of the platform and the routers to the operator only', async () => {
    const { plane } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'scraped' } });
    await deploy(plane, 'scraped');
    await plane.api.inject({
      method: 'POST',
      url: '/router/reports',
      headers: auth,
      payload: { router: 'r1', lines: [], dropped: 0, metrics: [{ app: 'scraped', statusClasses: [0, 3, 0, 0, 1], latencyBuckets: buckets({ 0: 4 }), latencySumMs: 2 }] },
    });
    const text = (await plane.api.inject({ url: '/metrics', headers: auth })).body;
    expect(text).toContain('paas_apps 1');
    expect(text).toContain('paas_builds_total{status="succeeded"} 1');
    expect(text).toContain('paas_releases_total{status="succeeded"} 1');
    expect(text).toContain('paas_router_requests_total{app="scraped",status_class="2xx"} 3');
    expect(text).toContain('paas_router_request_duration_ms_bucket{app="scraped",le="+Inf"} 4');
    const bad = await plane.api.inject({ method: 'POST', url: '/router/reports', headers: auth, payload: { router: 'r1', lines: [], dropped: -1, metrics: [] } });
    expect(bad.statusCode).toBe(422);
  });
});

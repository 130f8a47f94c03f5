import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { platformMetrics } from '../platform-metrics.js';
import { percentileFromBuckets } from '../router-metrics.js';
import { appParams } from './schemas.js';

/** Request metrics the routers report: per app as JSON (`paas metrics`), all apps as Prometheus text. */
export function metricsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { app: string } }>('/apps/:app/metrics', { schema: { params: appParams } }, async (request) => {
    const record = ctx.store.getApp(request.params.app);
    const totals = ctx.metrics.forApp(record.name);
    const classes = totals?.statusClasses ?? [0, 0, 0, 0, 0];
    const buckets = totals?.latencyBuckets ?? [];
    return {
      app: record.name,
      requests: { total: totals?.count ?? 0, '1xx': classes[0], '2xx': classes[1], '3xx': classes[2], '4xx': classes[3], '5xx': classes[4] },
      latency_ms: {
        mean: totals && totals.count > 0 ? totals.latencySumMs / totals.count : null,
        p50: percentileFromBuckets(buckets, 50),
        p95: percentileFromBuckets(buckets, 95),
        p99: percentileFromBuckets(buckets, 99),
      },
    };
  });

  app.get('/metrics', { config: { admin: true } }, async (_request, reply) =>
    reply.type('text/plain; version=0.0.4').send(platformMetrics(ctx.store, ctx.dynos, ctx.counters) + ctx.metrics.prometheus()),
  );
}

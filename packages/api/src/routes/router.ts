import type { FastifyInstance } from 'fastify';
import { LATENCY_BUCKETS_MS, type RouterReport } from '@paas/core';
import type { ApiContext } from '../context.js';

/** The route table for router processes, by long poll; `since` doubles as the router's drain acknowledgement. */
export function routerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { since: number; router: string; wait: number } }>(
    '/router/table',
    {
      config: { admin: true },
      schema: {
        querystring: {
          type: 'object',
          required: ['router'],
          properties: {
            since: { type: 'integer', minimum: 0, default: 0 },
            router: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
            wait: { type: 'integer', minimum: 0, maximum: ctx.options.maxRouterWaitSeconds, default: 25 },
          },
        },
      },
    },
    async (request, reply) => {
      const abort = new AbortController();
      reply.raw.once('close', () => abort.abort());
      const table = await ctx.routes.poll(request.query.router, request.query.since, request.query.wait * 1000, abort.signal);
      if (!table) return reply.status(304).send();
      return table;
    },
  );

  /** The router processes that poll, with the table version each serves (drained). */
  app.get('/router/routers', { config: { admin: true } }, async () => ctx.routes.routerInfo());

  // A router process that stops (a restart or a rolling reload) says so, so that the next deploy does
  // not wait for its acknowledgement until it is stale.
  app.delete<{ Params: { router: string } }>(
    '/router/routers/:router',
    {
      config: { admin: true },
      schema: { params: { type: 'object', required: ['router'], properties: { router: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } } } },
    },
    async (request, reply) => {
      ctx.routes.forget(request.params.router);
      return reply.status(204).send();
    },
  );

  const counts = { type: 'array', minItems: 5, maxItems: 5, items: { type: 'integer', minimum: 0 } } as const;
  app.post<{ Body: RouterReport }>(
    '/router/reports',
    {
      config: { admin: true },
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        body: {
          type: 'object',
          required: ['router', 'lines', 'dropped', 'metrics'],
          additionalProperties: false,
          properties: {
            router: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
            dropped: { type: 'integer', minimum: 0 },
            droppedByApp: { type: 'object', maxProperties: 10_000, propertyNames: { maxLength: 64 }, additionalProperties: { type: 'integer', minimum: 1 } },
            lines: {
              type: 'array',
              maxItems: 100_000,
              items: {
                type: 'object',
                required: ['app', 'time', 'line'],
                additionalProperties: false,
                properties: { app: { type: 'string', maxLength: 64 }, time: { type: 'number' }, line: { type: 'string', maxLength: 16384 } },
              },
            },
            metrics: {
              type: 'array',
              maxItems: 10_000,
              items: {
                type: 'object',
                required: ['app', 'statusClasses', 'latencyBuckets', 'latencySumMs'],
                additionalProperties: false,
                properties: {
                  app: { type: 'string', maxLength: 64 },
                  statusClasses: counts,
                  latencyBuckets: { type: 'array', maxItems: LATENCY_BUCKETS_MS.length + 1, items: { type: 'integer', minimum: 0 } },
                  latencySumMs: { type: 'number', minimum: 0 },
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      ctx.metrics.record(request.body.metrics);
      ctx.routerLines(request.body.lines, request.body.dropped, request.body.droppedByApp);
      return reply.status(204).send();
    },
  );

  app.get('/router/status', { config: { admin: true } }, async () => ({ version: ctx.routes.table().version, routers: ctx.routes.routerInfo() }));
}

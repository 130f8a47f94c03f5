import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';

/** The route table for router processes, by long poll; `since` doubles as the router's drain acknowledgement. */
export function routerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { since: number; router: string; wait: number } }>(
    '/router/table',
    {
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

  app.get('/router/status', async () => ({ version: ctx.routes.table().version, routers: ctx.routes.routerInfo() }));
}

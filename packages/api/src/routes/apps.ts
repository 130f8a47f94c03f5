import type { FastifyInstance } from 'fastify';
import { assertAppName, type App } from '@paas/core';
import type { ApiContext } from '../context.js';
import { appResource } from '../resources.js';
import { appParams } from './schemas.js';

export function appRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;
  const resource = (record: Parameters<typeof appResource>[1]): App => appResource(store, record, ctx.webUrl(record.name));

  app.get('/apps', async () => store.listApps().map(resource));

  app.post<{ Body: { name: string } }>(
    '/apps',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (request, reply) => {
      assertAppName(request.body.name);
      const created = store.createApp(request.body.name);
      ctx.routes.refresh();
      ctx.logger.info({ app: created.name }, 'app created');
      return reply.status(201).send(resource(created));
    },
  );

  app.get<{ Params: { app: string } }>('/apps/:app', { schema: { params: appParams } }, async (request) =>
    resource(store.getApp(request.params.app)),
  );

  app.delete<{ Params: { app: string } }>('/apps/:app', { schema: { params: appParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    // Queued behind any deploy of the app, so a build cannot resurrect dynos after the destroy.
    return ctx.deployer.queue.run(record.id, async () => {
      const body = resource(record);
      const slugs = store.listSlugs(record.id);
      await ctx.dynos.remove(record.id);
      store.deleteApp(record.id);
      ctx.routes.refresh();
      await ctx.artifacts.removeApp({ id: record.id, name: record.name }, slugs);
      ctx.logger.info({ app: record.name }, 'app destroyed');
      return body;
    });
  });
}

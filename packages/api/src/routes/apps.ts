import type { FastifyInstance } from 'fastify';
import { assertAppName, type App } from '@paas/core';
import { canSeeApp } from '../auth.js';
import type { ApiContext } from '../context.js';
import { appResource } from '../resources.js';
import { appParams } from './schemas.js';

export function appRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;
  const resource = (record: Parameters<typeof appResource>[1]): App => appResource(store, record, ctx.webUrl(record.name));

  app.get('/apps', async (request) => store.listApps().filter((a) => canSeeApp(store, request.principal, a.id)).map(resource));

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
      const created = store.transaction(() => {
        const made = store.createApp(request.body.name);
        store.users.setRole(made.id, request.principal.id, 'owner');
        return made;
      });
      ctx.routes.refresh();
      ctx.logger.info({ app: created.name }, 'app created');
      return reply.status(201).send(resource(created));
    },
  );

  app.get<{ Params: { app: string } }>('/apps/:app', { schema: { params: appParams } }, async (request) =>
    resource(store.getApp(request.params.app)),
  );

  app.patch<{ Params: { app: string }; Body: { maintenance?: boolean } }>(
    '/apps/:app',
    {
      schema: {
        params: appParams,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { maintenance: { type: 'boolean' } } },
      },
    },
    async (request) => {
      const record = store.getApp(request.params.app);
      if (request.body.maintenance !== undefined && request.body.maintenance !== record.maintenance) {
        store.setMaintenance(record.id, request.body.maintenance);
        ctx.routes.refresh();
        ctx.logger.info({ app: record.name, maintenance: request.body.maintenance }, 'maintenance mode changed');
      }
      return resource(store.getApp(record.id));
    },
  );

  app.delete<{ Params: { app: string } }>('/apps/:app', { config: { access: 'owner' }, schema: { params: appParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    // Queued behind any deploy of the app, so a build cannot resurrect dynos after the destroy.
    return ctx.releases.queue.run(record.id, async () => {
      const body = resource(record);
      const slugs = store.listSlugs(record.id);
      await ctx.dynos.remove(record.id);
      store.deleteApp(record.id);
      ctx.routes.refresh();
      await ctx.artifacts.removeApp({ id: record.id, name: record.name }, slugs);
      ctx.logs.removeApp(record.id);
      ctx.logger.info({ app: record.name }, 'app destroyed');
      return body;
    });
  });
}

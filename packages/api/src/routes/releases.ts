import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { releaseResource } from '../resources.js';
import { appParams } from './schemas.js';

export function releaseRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;

  app.get<{ Params: { app: string } }>('/apps/:app/releases', { schema: { params: appParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    return store.listReleases(record.id).map((r) => releaseResource(record, r));
  });

  app.get<{ Params: { app: string; release: string } }>(
    '/apps/:app/releases/:release',
    {
      schema: {
        params: {
          type: 'object',
          required: ['app', 'release'],
          properties: { app: appParams.properties.app, release: { type: 'string', pattern: '^(v?[0-9]{1,9}|[0-9a-f-]{36})$' } },
        },
      },
    },
    async (request) => {
      const record = store.getApp(request.params.app);
      return releaseResource(record, store.getRelease(record.id, request.params.release));
    },
  );
}

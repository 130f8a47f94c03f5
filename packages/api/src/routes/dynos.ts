import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { dynoResource, formationResource } from '../resources.js';
import { appParams } from './schemas.js';

export function dynoRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;

  app.get<{ Params: { app: string } }>('/apps/:app/dynos', { schema: { params: appParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    return ctx.dynos
      .listDynos(record.id)
      .map(dynoResource)
      .sort((a, b) => a.type.localeCompare(b.type) || Number(a.name.split('.')[1]) - Number(b.name.split('.')[1]));
  });

  app.get<{ Params: { app: string } }>('/apps/:app/formation', { schema: { params: appParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    const release = record.currentReleaseId ? store.findRelease(record.id, record.currentReleaseId) : undefined;
    const slug = release?.slugId ? store.findSlug(release.slugId) : undefined;
    return store.listFormation(record.id).map((f) => formationResource(f, slug?.processTypes[f.type] ?? ''));
  });
}

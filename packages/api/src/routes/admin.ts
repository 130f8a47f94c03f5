import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { appParams } from './schemas.js';

/** Operator routes: garbage collection and disk use. */
export function adminRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post<{ Body: { dry_run?: boolean } }>(
    '/admin/gc',
    { config: { admin: true }, schema: { body: { type: 'object', additionalProperties: false, properties: { dry_run: { type: 'boolean' } } } } },
    async (request) => {
      const dryRun = request.body?.dry_run ?? false;
      const items = await ctx.gc.collect(dryRun);
      return { dry_run: dryRun, items, bytes: items.reduce((sum, i) => sum + i.bytes, 0) };
    },
  );

  app.get<{ Params: { app: string } }>('/apps/:app/disk-usage', { schema: { params: appParams } }, async (request) => {
    const record = ctx.store.getApp(request.params.app);
    const slugs = ctx.store.listSlugs(record.id).filter((s) => !s.prunedAt);
    const usage = await ctx.artifacts.diskUsage(record, slugs);
    return { slugs: slugs.length, slugs_bytes: usage.slugsBytes, cache_bytes: usage.cacheBytes, total_bytes: usage.slugsBytes + usage.cacheBytes };
  });
}

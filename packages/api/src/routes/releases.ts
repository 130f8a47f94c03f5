import type { FastifyInstance } from 'fastify';
import { PaasError } from '@paas/core';
import type { ApiContext } from '../context.js';
import { releaseResource } from '../resources.js';
import { appParams } from './schemas.js';

const releaseRef = { type: 'string', pattern: '^(v?[0-9]{1,9}|[0-9a-f-]{36})$' } as const;

export function releaseRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;
  const releaseParams = { type: 'object', required: ['app', 'release'], properties: { app: appParams.properties.app, release: releaseRef } } as const;

  app.get<{ Params: { app: string } }>('/apps/:app/releases', { schema: { params: appParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    return store.listReleases(record.id).map((r) => releaseResource(record, r));
  });

  app.get<{ Params: { app: string; release: string } }>('/apps/:app/releases/:release', { schema: { params: releaseParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    return releaseResource(record, store.getRelease(record.id, request.params.release));
  });

  /** Output of a config or rollback release (release phase, dyno start); a deploy's is in its build output. */
  app.get<{ Params: { app: string; release: string } }>('/apps/:app/releases/:release/output', { schema: { params: releaseParams } }, async (request, reply) => {
    const record = store.getApp(request.params.app);
    const release = store.getRelease(record.id, request.params.release);
    void reply.type('text/plain; charset=utf-8').header('cache-control', 'no-cache');
    return reply.send(ctx.outputs.stream(release.id) ?? '');
  });

  /**
   * A rollback, as in the Heroku Platform API: a new release from an earlier one's slug and config, no
   * build. Without `release`, the newest successful release before the current one.
   */
  app.post<{ Params: { app: string }; Body: { release?: string } }>(
    '/apps/:app/releases',
    {
      schema: {
        params: appParams,
        body: { type: 'object', additionalProperties: false, properties: { release: releaseRef } },
      },
    },
    async (request, reply) => {
      const record = store.getApp(request.params.app);
      const current = record.currentReleaseId ? store.findRelease(record.id, record.currentReleaseId) : undefined;
      let target;
      if (request.body?.release !== undefined) {
        target = store.getRelease(record.id, request.body.release);
      } else {
        const earlier = store
          .listReleases(record.id)
          .filter((r) => r.status === 'succeeded' && r.slugId && (!current || r.version < current.version))
          .pop();
        if (!earlier) throw new PaasError('no_release', `${record.name} has no earlier release to roll back to.`);
        target = earlier;
      }
      const slug = target.slugId ? store.findSlug(target.slugId) : undefined;
      if (!slug) {
        throw new PaasError('invalid_params', `v${target.version} has no code to run (it was made before the first deploy); pick another release.`);
      }
      if (slug.prunedAt) {
        throw new PaasError(
          'release_expired',
          `v${target.version} is older than the releases kept for rollback; its code was removed to free disk. Roll back to a newer release, or push that code again.`,
        );
      }
      store.setConfig(record.id, target.config);
      const { created } = ctx.releases.enqueue(record.id, request.principal.email, () => ({
        slug,
        config: target.config,
        description: `Rollback to v${target.version}`,
        restart: true,
      }));
      const release = await created;
      ctx.logger.info({ app: record.name, to: target.version, version: release.version }, 'rollback');
      return reply.status(201).send(releaseResource(store.getApp(record.id), release));
    },
  );
}

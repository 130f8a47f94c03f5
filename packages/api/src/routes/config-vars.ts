import type { FastifyInstance } from 'fastify';
import { PaasError } from '@paas/core';
import { applyConfigPatch, describeConfigChange } from '../config-vars.js';
import type { ApiContext } from '../context.js';
import { appParams } from './schemas.js';

/** `GET`/`PATCH /apps/:app/config-vars`, as in the Heroku Platform API (`null` unsets). */
export function configVarRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;

  app.get<{ Params: { app: string } }>('/apps/:app/config-vars', { schema: { params: appParams } }, async (request) =>
    store.getApp(request.params.app).config,
  );

  app.patch<{ Params: { app: string }; Querystring: { restart: boolean }; Body: Record<string, string | null> }>(
    '/apps/:app/config-vars',
    {
      schema: {
        params: appParams,
        querystring: { type: 'object', properties: { restart: { type: 'boolean', default: true } } },
        body: { type: 'object', maxProperties: 1000, additionalProperties: { type: ['string', 'null'] } },
      },
      // Before the schema runs: it would coerce `5` to "5", and a value must be given as a string.
      preValidation: async (request) => {
        const body = request.body as Record<string, unknown> | null;
        for (const [key, value] of Object.entries(body ?? {})) {
          if (value !== null && typeof value !== 'string') {
            throw new PaasError('invalid_params', `The value of ${key.slice(0, 64)} must be a string (or null to unset it).`);
          }
        }
      },
    },
    async (request, reply) => {
      const record = store.getApp(request.params.app);
      const change = applyConfigPatch(record.config, request.body, ctx.options.maxConfigBytes);
      if (change.set.length === 0 && change.removed.length === 0) return change.next; // same values: no release
      store.setConfig(record.id, change.next);
      // Names only: values are secrets and never reach the platform's log.
      ctx.logger.info({ app: record.name, set: change.set, removed: change.removed }, 'config vars changed');
      const config = change.next;
      const { created } = ctx.releases.enqueue(record.id, request.principal.email, (current) => ({
        slug: ctx.releases.currentSlug(current),
        config,
        description: describeConfigChange(change),
        restart: request.query.restart,
      }));
      const release = await created;
      void reply.header('paas-release-id', release.id).header('paas-release-version', String(release.version));
      return config;
    },
  );
}

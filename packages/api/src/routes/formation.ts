import type { FastifyInstance } from 'fastify';
import { DEFAULT_DYNO_SIZE, PaasError, type Formation, type FormationUpdate } from '@paas/core';
import { MAX_DYNOS_PER_TYPE } from '@paas/dyno-manager';
import type { AppRecord } from '@paas/store';
import type { ApiContext } from '../context.js';
import { formationResource } from '../resources.js';
import { canonicalSize, currentRelease, dynoTypes, type DynoOps } from './dyno-support.js';
import { appParams } from './schemas.js';

const updateSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    quantity: { type: 'integer' },
    size: { type: 'string', minLength: 1, maxLength: 50 },
  },
} as const;

const batchBody = {
  type: 'object',
  required: ['updates'],
  additionalProperties: false,
  properties: {
    updates: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: { ...updateSchema, required: ['type'], properties: { ...updateSchema.properties, type: { type: 'string', minLength: 1, maxLength: 30 } } },
    },
  },
} as const;

const typeParams = {
  type: 'object',
  required: ['app', 'type'],
  properties: { app: appParams.properties.app, type: { type: 'string', minLength: 1, maxLength: 30 } },
} as const;

/**
 * The formation (how many dynos of which size per process type), in Heroku Platform API shapes. Changes
 * are stored, then the dyno manager converges; they run in the app's release queue, so a scale and a
 * deploy never interleave. The answer comes once new dynos are started and removed ones stopped.
 */
export function formationRoutes(app: FastifyInstance, ctx: ApiContext, dynos: DynoOps): void {
  const { store } = ctx;

  const listFormation = (record: AppRecord): Formation[] => {
    const slug = ctx.releases.currentSlug(record);
    return store.listFormation(record.id).map((f) => formationResource(f, slug?.processTypes[f.type] ?? ''));
  };

  const update = async (name: string, updates: readonly FormationUpdate[], userEmail: string): Promise<Formation[]> => {
    const record = store.getApp(name);
    return ctx.releases.queue.run(record.id, async () => {
      const fresh = store.getApp(record.id);
      const { release, slug } = currentRelease(store, fresh);
      const types = dynoTypes(slug);
      const existing = new Map(store.listFormation(fresh.id).map((f) => [f.type, f]));
      const seen = new Set<string>();
      const planned = updates.map((u) => {
        if (seen.has(u.type)) throw new PaasError('invalid_params', `Process type ${u.type} is listed twice.`);
        seen.add(u.type);
        if (!types.includes(u.type)) {
          const known = types.length > 0 ? types.join(', ') : 'none';
          throw new PaasError('invalid_params', `No process type ${u.type} in v${release.version}; its process types are ${known}.`, {
            details: { type: u.type },
          });
        }
        if (u.quantity !== undefined && (!Number.isInteger(u.quantity) || u.quantity < 0 || u.quantity > MAX_DYNOS_PER_TYPE)) {
          throw new PaasError('invalid_params', `Quantity of ${u.type} must be an integer from 0 to ${MAX_DYNOS_PER_TYPE}.`, {
            details: { type: u.type, quantity: u.quantity },
          });
        }
        const before = existing.get(u.type);
        return {
          type: u.type,
          quantity: u.quantity ?? before?.quantity ?? 0,
          size: u.size === undefined ? (before?.size ?? DEFAULT_DYNO_SIZE) : canonicalSize(dynos.sizes, u.size),
        };
      });
      store.transaction(() => {
        for (const p of planned) store.setFormation(fresh.id, p.type, p.quantity, p.size);
      });
      const formation = Object.fromEntries(
        store
          .listFormation(fresh.id)
          .filter((f) => types.includes(f.type))
          .map((f) => [f.type, { quantity: f.quantity, size: f.size }]),
      );
      await dynos.scale(fresh.id, formation);
      ctx.appLog.scaled(fresh.id, formation, userEmail);
      ctx.logger.info({ app: fresh.name, formation: planned }, 'formation changed');
      return listFormation(fresh);
    });
  };

  app.get<{ Params: { app: string } }>('/apps/:app/formation', { schema: { params: appParams } }, async (request) => {
    return listFormation(store.getApp(request.params.app));
  });

  app.get<{ Params: { app: string; type: string } }>('/apps/:app/formation/:type', { schema: { params: typeParams } }, async (request) => {
    const found = listFormation(store.getApp(request.params.app)).find((f) => f.type === request.params.type);
    if (!found) throw new PaasError('not_found', `No process type ${request.params.type} in the formation.`);
    return found;
  });

  app.patch<{ Params: { app: string }; Body: { updates: FormationUpdate[] } }>(
    '/apps/:app/formation',
    { schema: { params: appParams, body: batchBody } },
    async (request) => update(request.params.app, request.body.updates, request.principal.email),
  );

  app.patch<{ Params: { app: string; type: string }; Body: Omit<FormationUpdate, 'type'> }>(
    '/apps/:app/formation/:type',
    { schema: { params: typeParams, body: updateSchema } },
    async (request) => {
      const all = await update(request.params.app, [{ ...request.body, type: request.params.type }], request.principal.email);
      return all.find((f) => f.type === request.params.type);
    },
  );
}

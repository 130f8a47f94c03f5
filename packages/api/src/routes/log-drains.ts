import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { appParams } from './schemas.js';

const drainParams = {
  type: 'object',
  required: ['app', 'drain'],
  properties: { app: appParams.properties.app, drain: { type: 'string', minLength: 1, maxLength: 2048 } },
} as const;

/**
 * Log drains in Heroku Platform API shapes: `GET`/`POST /apps/:app/log-drains`,
 * `DELETE /apps/:app/log-drains/:drain` (by id, token or URL).
 */
export function logDrainRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;

  app.get<{ Params: { app: string } }>('/apps/:app/log-drains', { schema: { params: appParams } }, async (request) =>
    ctx.logs.drains.list(store.getApp(request.params.app).id),
  );

  app.post<{ Params: { app: string }; Body: { url: string } }>(
    '/apps/:app/log-drains',
    {
      schema: {
        params: appParams,
        body: { type: 'object', required: ['url'], additionalProperties: false, properties: { url: { type: 'string', minLength: 1, maxLength: 2048 } } },
      },
    },
    async (request, reply) => {
      const record = store.getApp(request.params.app);
      const drain = ctx.logs.drains.add(record.id, request.body.url);
      ctx.appLog.api(record.id, `Added log drain ${drain.token} by ${request.principal.email}`);
      return reply.status(201).send(drain);
    },
  );

  app.delete<{ Params: { app: string; drain: string } }>('/apps/:app/log-drains/:drain', { schema: { params: drainParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    const drain = ctx.logs.drains.remove(record.id, request.params.drain);
    ctx.appLog.api(record.id, `Removed log drain ${drain.token} by ${request.principal.email}`);
    return drain;
  });
}

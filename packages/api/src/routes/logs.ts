import type { FastifyInstance } from 'fastify';
import type { LogSource } from '@paas/core';
import type { ApiContext } from '../context.js';
import { appParams } from './schemas.js';

/** Heroku keeps 1500 lines per app; a request can ask for all of them. */
const MAX_LINES = 1500;

interface LogsQuery {
  lines: number;
  tail: boolean;
  source?: LogSource;
  dyno?: string;
  after?: number;
}

/**
 * `GET /apps/:app/logs`: the app's stream as NDJSON (`LogRecord`s), the last `lines` lines (or every kept
 * line after `after`), then, with `tail=true`, new lines as they come, with keep-alive records, until the
 * client goes away.
 */
export function logRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { app: string }; Querystring: LogsQuery }>(
    '/apps/:app/logs',
    {
      schema: {
        params: appParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            lines: { type: 'integer', minimum: 1, maximum: MAX_LINES, default: 100 },
            tail: { type: 'boolean', default: false },
            source: { type: 'string', enum: ['app', 'paas'] },
            dyno: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,29}(\\.[0-9]{1,5})?$' },
            after: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
    async (request, reply) => {
      const record = ctx.store.getApp(request.params.app);
      const { lines, tail, source, dyno, after } = request.query;
      const stream = ctx.logs.open(
        record.id,
        { lines, ...(source ? { source } : {}), ...(dyno ? { dyno } : {}), ...(after === undefined ? {} : { after }) },
        { tail },
      );
      void reply
        .type('application/x-ndjson; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        // Proxies in front of the API must pass lines on as they come.
        .header('x-accel-buffering', 'no');
      return reply.send(stream);
    },
  );
}

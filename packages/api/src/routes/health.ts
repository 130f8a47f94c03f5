import type { FastifyInstance } from 'fastify';
import type { Health } from '@paas/core';
import type { ApiContext } from '../context.js';

export function healthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/healthz', { config: { public: true } }, async (): Promise<Health> => ({ status: 'ok', version: ctx.options.version }));
}

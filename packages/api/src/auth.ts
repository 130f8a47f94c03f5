import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PaasError } from '@paas/core';

/** Who made a request; recorded on builds and releases. */
export interface Principal {
  email: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Routes that answer without a token (the health check). */
    public?: boolean;
  }
}

export interface AuthOptions {
  /** The admin API token. */
  token: string;
  adminEmail: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Bearer-token auth on every route but those marked public; constant-time comparison. */
export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  const expected = digest(options.token);
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.routeOptions.config?.public) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new PaasError('unauthorized', 'Invalid or missing API token. Run `paas login` or set PAAS_API_TOKEN.');
    }
    request.principal = { email: options.adminEmail };
  });
}

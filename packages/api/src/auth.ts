import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PaasError } from '@paas/core';
import type { AppRecord, Store, UserRecord } from '@paas/store';

/** Who made a request; recorded on builds and releases. */
export interface Principal {
  id: string;
  email: string;
  /** Operators: every app, users, routers, garbage collection. */
  admin: boolean;
  /** SHA-256 of the token used, so `logout` can revoke exactly it (absent for the admin token). */
  tokenHash: string | undefined;
}

/** What a route needs of the app named in its path. */
export type AppAccess = 'member' | 'owner';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Routes that answer without a token (the health check, login). */
    public?: boolean;
    /** Routes only operators may use. */
    admin?: boolean;
    /** For routes with `:app`: `owner` for destroying and sharing the app; members may do the rest. */
    access?: AppAccess;
  }
}

export interface AuthOptions {
  /** The operator's API token (from the environment or the data directory). */
  adminToken: string;
  /** The operator user the admin token acts as. */
  admin: UserRecord;
}

export const tokenDigest = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Bearer-token auth on every route but public ones. Tokens are looked up by their SHA-256 (the database
 * never holds a token); the admin token is compared in constant time. For routes naming an app, a user
 * who may not use it gets 404, as for an app that does not exist, so app names do not leak.
 */
export function installAuth(app: FastifyInstance, store: Store, options: AuthOptions): void {
  const adminDigest = Buffer.from(tokenDigest(options.adminToken), 'hex');
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const config = request.routeOptions.config ?? {};
    if (config.public) return;
    const match = /^Bearer\s+(\S{1,512})$/i.exec(request.headers.authorization ?? '');
    const unauthorized = new PaasError('unauthorized', 'Invalid or missing API token. Run `paas login` or set PAAS_API_TOKEN.');
    if (!match) throw unauthorized;
    const hash = tokenDigest(match[1]!);
    if (timingSafeEqual(Buffer.from(hash, 'hex'), adminDigest)) {
      request.principal = { id: options.admin.id, email: options.admin.email, admin: true, tokenHash: undefined };
    } else {
      const user = store.users.findByTokenHash(hash);
      if (!user) throw unauthorized;
      request.principal = { id: user.id, email: user.email, admin: user.admin, tokenHash: hash };
    }
    if (config.admin && !request.principal.admin) {
      throw new PaasError('forbidden', 'Only the platform operator may do this.');
    }
    const params = request.params as { app?: string } | undefined;
    if (params?.app !== undefined) authorizeApp(store, request.principal, params.app, config.access ?? 'member');
  });
}

/** The app if the principal may act on it at `access`; 404 when they may not even see it. */
export function authorizeApp(store: Store, principal: Principal, nameOrId: string, access: AppAccess): AppRecord {
  const app = store.findApp(nameOrId);
  const role = app && !principal.admin ? store.users.role(app.id, principal.id) : undefined;
  if (!app || (!principal.admin && !role)) throw new PaasError('app_not_found', `Couldn't find that app: ${nameOrId}.`);
  if (access === 'owner' && !principal.admin && role !== 'owner') {
    throw new PaasError('forbidden', `Only the owner of ${app.name} may do this.`);
  }
  return app;
}

/** Whether the principal may see the app (for lists). */
export function canSeeApp(store: Store, principal: Principal, appId: string): boolean {
  return principal.admin || store.users.role(appId, principal.id) !== undefined;
}

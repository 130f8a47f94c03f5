import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { PaasError } from '@paas/core';
import { tokenDigest } from '../auth.js';
import type { ApiContext } from '../context.js';
import { MIN_PASSWORD_LENGTH, generatePassword, hashPassword, verifyPassword } from '../passwords.js';
import { RateLimiter } from '../rate-limiter.js';
import { appParams } from './schemas.js';

const email = { type: 'string', minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' } as const;
const password = { type: 'string', minLength: 1, maxLength: 1024 } as const;

/** Logins, tokens, users and who may use an app. */
export function accountRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;
  // Per email and per client address, so neither guessing one account nor spraying many works.
  const byEmail = new RateLimiter(ctx.clock, ctx.options.loginAttempts, ctx.options.loginWindowMs);
  const byAddress = new RateLimiter(ctx.clock, ctx.options.loginAttempts * 4, ctx.options.loginWindowMs);

  app.post<{ Body: { email: string; password: string } }>(
    '/auth/login',
    {
      config: { public: true },
      schema: { body: { type: 'object', required: ['email', 'password'], additionalProperties: false, properties: { email, password } } },
    },
    async (request, reply) => {
      const wait = Math.max(byEmail.attempt(request.body.email.toLowerCase()), byAddress.attempt(request.ip));
      if (wait > 0) {
        void reply.header('retry-after', String(Math.ceil(wait / 1000)));
        throw new PaasError('rate_limited', `Too many login attempts; try again in ${Math.ceil(wait / 1000)} s.`);
      }
      const user = store.users.findByEmail(request.body.email);
      // The same work and the same answer whether the user exists or not.
      const ok = await verifyPassword(request.body.password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok) throw new PaasError('unauthorized', 'Wrong email or password.');
      const token = `paas_${randomBytes(32).toString('base64url')}`;
      store.users.addToken(user.id, tokenDigest(token), `login from ${request.ip}`);
      ctx.logger.info({ user: user.email }, 'user logged in');
      return reply.status(201).send({ token, user: { id: user.id, email: user.email, admin: user.admin } });
    },
  );

  app.delete('/auth/token', async (request) => {
    const hash = request.principal.tokenHash;
    if (!hash) throw new PaasError('invalid_params', 'The admin token comes from the server configuration and cannot be revoked here.');
    store.users.deleteToken(hash);
    return { revoked: true };
  });

  app.get('/account', async (request) => ({ id: request.principal.id, email: request.principal.email, admin: request.principal.admin }));

  app.get('/users', { config: { admin: true } }, async () =>
    store.users.list().map((u) => ({ id: u.id, email: u.email, admin: u.admin, created_at: u.createdAt })),
  );

  app.post<{ Body: { email: string; password?: string; admin?: boolean } }>(
    '/users',
    {
      config: { admin: true },
      schema: {
        body: { type: 'object', required: ['email'], additionalProperties: false, properties: { email, password, admin: { type: 'boolean' } } },
      },
    },
    async (request, reply) => {
      const given = request.body.password;
      if (given !== undefined && given.length < MIN_PASSWORD_LENGTH) {
        throw new PaasError('invalid_params', `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
      }
      const plain = given ?? generatePassword();
      const user = store.users.create({ email: request.body.email, passwordHash: await hashPassword(plain), admin: request.body.admin ?? false });
      ctx.logger.info({ user: user.email, by: request.principal.email }, 'user created');
      // A generated password is shown once, to the admin who created the user.
      return reply.status(201).send({ id: user.id, email: user.email, admin: user.admin, ...(given === undefined ? { password: plain } : {}) });
    },
  );

  const collaborator = (c: { userId: string; email: string; role: string; createdAt: string }, appName: string) => ({
    app: { name: appName },
    user: { id: c.userId, email: c.email },
    role: c.role,
    created_at: c.createdAt,
  });

  app.get<{ Params: { app: string } }>('/apps/:app/collaborators', { schema: { params: appParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    return store.users.collaborators(record.id).map((c) => collaborator(c, record.name));
  });

  app.post<{ Params: { app: string }; Body: { user: string } }>(
    '/apps/:app/collaborators',
    {
      config: { access: 'owner' },
      schema: { params: appParams, body: { type: 'object', required: ['user'], additionalProperties: false, properties: { user: email } } },
    },
    async (request, reply) => {
      const record = store.getApp(request.params.app);
      const user = store.users.findByEmail(request.body.user);
      if (!user) throw new PaasError('user_not_found', `No user ${request.body.user}; an admin adds users with \`paas users:add\`.`);
      if (store.users.role(record.id, user.id) === 'owner') throw new PaasError('conflict', `${user.email} owns ${record.name} already.`);
      store.users.setRole(record.id, user.id, 'collaborator');
      ctx.appLog.api(record.id, `${user.email} added as a collaborator by ${request.principal.email}`);
      const added = store.users.collaborators(record.id).find((c) => c.userId === user.id)!;
      return reply.status(201).send(collaborator(added, record.name));
    },
  );

  app.delete<{ Params: { app: string; user: string } }>(
    '/apps/:app/collaborators/:user',
    { config: { access: 'owner' }, schema: { params: { type: 'object', required: ['app', 'user'], properties: { app: appParams.properties.app, user: email } } } },
    async (request) => {
      const record = store.getApp(request.params.app);
      const user = store.users.findByEmail(request.params.user);
      const existing = user ? store.users.collaborators(record.id).find((c) => c.userId === user.id && c.role === 'collaborator') : undefined;
      if (!user || !existing || !store.users.removeCollaborator(record.id, user.id)) {
        throw new PaasError('user_not_found', `${request.params.user} is not a collaborator of ${record.name}.`);
      }
      ctx.appLog.api(record.id, `${user.email} removed as a collaborator by ${request.principal.email}`);
      return collaborator(existing, record.name);
    },
  );
}

/** Verified against when the user does not exist, so a wrong email costs the same time as a wrong password. */
const DUMMY_HASH = `scrypt$32768$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

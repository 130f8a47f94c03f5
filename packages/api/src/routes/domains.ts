import type { FastifyInstance } from 'fastify';
import { PaasError, normalizeHostname } from '@paas/core';
import type { DomainRecord } from '@paas/store';
import type { ApiContext } from '../context.js';
import { appParams } from './schemas.js';

/** Heroku's limit of custom domains per app. */
export const MAX_DOMAINS_PER_APP = 1000;

function domainResource(app: { id: string; name: string }, d: DomainRecord) {
  return { id: d.id, hostname: d.hostname, kind: 'custom', app: { id: app.id, name: app.name }, created_at: d.createdAt };
}

/** Custom domains: `<app>.<domain>` always routes; these are extra, exact or `*.` wildcards, one app each. */
export function domainRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;
  const platformSuffix = `.${ctx.options.domain}`;

  app.get<{ Params: { app: string } }>('/apps/:app/domains', { schema: { params: appParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    const builtIn = { id: null, hostname: `${record.name}.${ctx.options.domain}`, kind: 'default', app: { id: record.id, name: record.name }, created_at: record.createdAt };
    return [builtIn, ...store.domains.list(record.id).map((d) => domainResource(record, d))];
  });

  app.post<{ Params: { app: string }; Body: { hostname: string } }>(
    '/apps/:app/domains',
    {
      schema: {
        params: appParams,
        body: { type: 'object', required: ['hostname'], additionalProperties: false, properties: { hostname: { type: 'string', maxLength: 256 } } },
      },
    },
    async (request, reply) => {
      const record = store.getApp(request.params.app);
      const hostname = normalizeHostname(request.body.hostname, { wildcard: true });
      if (!hostname) {
        throw new PaasError('invalid_params', `${JSON.stringify(request.body.hostname.slice(0, 100))} is not a host name (letters, digits, dashes and dots; optionally starting with "*.").`);
      }
      const bare = hostname.replace(/^\*\./, '');
      if (bare === ctx.options.domain || bare.endsWith(platformSuffix)) {
        throw new PaasError('invalid_params', `${hostname} is under the platform's domain ${ctx.options.domain}; apps get <app>.${ctx.options.domain} automatically.`);
      }
      if (store.domains.count(record.id) >= MAX_DOMAINS_PER_APP) {
        throw new PaasError('invalid_params', `${record.name} already has ${MAX_DOMAINS_PER_APP} custom domains, the most an app may have.`);
      }
      const domain = store.domains.add(record.id, hostname);
      ctx.routes.refresh();
      ctx.logger.info({ app: record.name, hostname }, 'domain added');
      return reply.status(201).send(domainResource(record, domain));
    },
  );

  app.delete<{ Params: { app: string; hostname: string } }>(
    '/apps/:app/domains/:hostname',
    { schema: { params: { type: 'object', required: ['app', 'hostname'], properties: { app: appParams.properties.app, hostname: { type: 'string', maxLength: 256 } } } } },
    async (request) => {
      const record = store.getApp(request.params.app);
      const hostname = normalizeHostname(request.params.hostname, { wildcard: true }) ?? request.params.hostname;
      const existing = store.domains.list(record.id).find((d) => d.hostname === hostname);
      if (!existing || !store.domains.remove(record.id, hostname)) {
        throw new PaasError('domain_not_found', `${record.name} has no custom domain ${hostname}. See \`paas domains\`.`);
      }
      ctx.routes.refresh();
      return domainResource(record, existing);
    },
  );
}

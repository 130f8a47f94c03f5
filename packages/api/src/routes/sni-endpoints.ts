import type { FastifyInstance } from 'fastify';
import { PaasError } from '@paas/core';
import type { AppRecord, CertificateRecord } from '@paas/store';
import { certificateCovers, parseCertificate } from '../certificates.js';
import type { ApiContext } from '../context.js';
import { appParams } from './schemas.js';

/** TLS certificates for an app's domains, served by the routers with SNI (Heroku: SNI endpoints). */
export function sniEndpointRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;
  const hostsOf = (record: AppRecord) => [`${record.name}.${ctx.options.domain}`, ...store.domains.list(record.id).map((d) => d.hostname)];
  const resource = (record: AppRecord, c: CertificateRecord) => ({
    id: c.id,
    name: c.name,
    certificate_chain: c.certPem,
    domains: hostsOf(record).filter((h) => c.names.some((n) => certificateCovers(n, h))),
    ssl_cert: { cert_domains: c.names, expires_at: c.expiresAt },
    created_at: c.createdAt,
  });

  app.get<{ Params: { app: string } }>('/apps/:app/sni-endpoints', { schema: { params: appParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    return store.domains.listCertificates(record.id).map((c) => resource(record, c));
  });

  app.post<{ Params: { app: string }; Body: { certificate_chain: string; private_key: string; name?: string } }>(
    '/apps/:app/sni-endpoints',
    {
      bodyLimit: 256 * 1024,
      schema: {
        params: appParams,
        body: {
          type: 'object',
          required: ['certificate_chain', 'private_key'],
          additionalProperties: false,
          properties: {
            certificate_chain: { type: 'string', maxLength: 128 * 1024 },
            private_key: { type: 'string', maxLength: 64 * 1024 },
            name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
          },
        },
      },
    },
    async (request, reply) => {
      const record = store.getApp(request.params.app);
      const parsed = parseCertificate(request.body.certificate_chain, request.body.private_key, new Date(ctx.clock.now()));
      const covered = hostsOf(record).filter((h) => parsed.names.some((n) => certificateCovers(n, h)));
      if (covered.length === 0) {
        throw new PaasError(
          'certificate_invalid',
          `The certificate (for ${parsed.names.join(', ')}) covers none of ${record.name}'s domains. Add the domain first with \`paas domains:add\`.`,
        );
      }
      const existing = store.domains.listCertificates(record.id).length;
      const cert = store.domains.addCertificate({
        appId: record.id,
        name: request.body.name ?? `cert-${existing + 1}-${Date.now().toString(36)}`,
        certPem: request.body.certificate_chain,
        keyPem: request.body.private_key,
        names: parsed.names,
        expiresAt: parsed.expiresAt.toISOString(),
      });
      ctx.routes.refresh();
      ctx.logger.info({ app: record.name, certificate: cert.name, names: parsed.names }, 'certificate added');
      return reply.status(201).send(resource(record, cert));
    },
  );

  app.delete<{ Params: { app: string; id: string } }>(
    '/apps/:app/sni-endpoints/:id',
    { schema: { params: { type: 'object', required: ['app', 'id'], properties: { app: appParams.properties.app, id: { type: 'string', maxLength: 64 } } } } },
    async (request) => {
      const record = store.getApp(request.params.app);
      const cert = store.domains.listCertificates(record.id).find((c) => c.id === request.params.id || c.name === request.params.id);
      if (!cert || !store.domains.removeCertificate(record.id, cert.id)) {
        throw new PaasError('certificate_not_found', `${record.name} has no certificate ${request.params.id}. See \`paas certs\`.`);
      }
      ctx.routes.refresh();
      return resource(record, cert);
    },
  );
}

import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { PaasError, type Source } from '@paas/core';
import type { ApiContext } from '../context.js';
import { buildResource } from '../resources.js';
import { appParams, uuid } from './schemas.js';

const ARCHIVE_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream'];

export function buildRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;

  // Source uploads stream to disk; they are never buffered in memory.
  app.addContentTypeParser(ARCHIVE_TYPES, (_request, payload, done) => done(null, payload));

  app.post<{ Params: { app: string } }>('/apps/:app/sources', { schema: { params: appParams } }, async (request, reply) => {
    const record = store.getApp(request.params.app);
    const limit = ctx.options.maxSourceBytes;
    const declared = Number(request.headers['content-length'] ?? NaN);
    if (declared > limit) {
      reply.header('connection', 'close');
      throw sourceTooLarge(limit);
    }
    if (!request.headers['content-type'] || !ARCHIVE_TYPES.includes(request.headers['content-type'].split(';')[0]!.trim())) {
      throw new PaasError('invalid_params', `Upload the source as a gzip tarball (content-type ${ARCHIVE_TYPES[0]}).`);
    }
    const id = randomUUID();
    const path = join(ctx.options.sourcesDir, `${id}.tgz`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > limit) return cb(sourceTooLarge(limit));
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(request.body as Readable, meter, createWriteStream(path, { mode: 0o600 }));
    } catch (err) {
      await rm(path, { force: true });
      if (err instanceof PaasError) {
        reply.header('connection', 'close');
        throw err;
      }
      throw new PaasError('invalid_params', 'The upload was interrupted; push again.', { cause: err });
    }
    if (size === 0) {
      await rm(path, { force: true });
      throw new PaasError('invalid_params', 'The uploaded source is empty.');
    }
    const source = store.createSource({ id, appId: record.id, path, size, checksum: `SHA256:${hash.digest('hex')}` });
    const body: Source = { id: source.id, checksum: source.checksum, size: source.size, created_at: source.createdAt };
    return reply.status(201).send(body);
  });

  app.post<{ Params: { app: string }; Body: { source_blob: { id: string; version?: string | null } } }>(
    '/apps/:app/builds',
    {
      schema: {
        params: appParams,
        body: {
          type: 'object',
          required: ['source_blob'],
          additionalProperties: false,
          properties: {
            source_blob: {
              type: 'object',
              required: ['id'],
              additionalProperties: false,
              properties: {
                id: uuid,
                version: { anyOf: [{ type: 'string', pattern: '^[0-9A-Za-z._/-]{1,64}$' }, { type: 'null' }] },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const record = store.getApp(request.params.app);
      const source = store.findSource(record.id, request.body.source_blob.id);
      if (!source) throw new PaasError('source_not_found', `No uploaded source ${request.body.source_blob.id}; upload it first.`);
      const build = ctx.deployer.startBuild(record, source, request.body.source_blob.version ?? null, request.principal.email);
      return reply.status(201).send(buildResource(store, record, build));
    },
  );

  app.get<{ Params: { app: string } }>('/apps/:app/builds', { schema: { params: appParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    return store.listBuilds(record.id).map((b) => buildResource(store, record, b));
  });

  const buildParams = { type: 'object', required: ['app', 'id'], properties: { app: appParams.properties.app, id: uuid } } as const;

  app.get<{ Params: { app: string; id: string } }>('/apps/:app/builds/:id', { schema: { params: buildParams } }, async (request) => {
    const record = store.getApp(request.params.app);
    return buildResource(store, record, store.getBuild(record.id, request.params.id));
  });

  app.get<{ Params: { app: string; id: string } }>('/apps/:app/builds/:id/output', { schema: { params: buildParams } }, async (request, reply) => {
    const record = store.getApp(request.params.app);
    const build = store.getBuild(record.id, request.params.id);
    const stream = ctx.outputs.stream(build.id);
    void reply.type('text/plain; charset=utf-8').header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
    return reply.send(stream ?? '');
  });
}

function sourceTooLarge(limit: number): PaasError {
  return new PaasError(
    'payload_too_large',
    `The source upload exceeds ${Math.round(limit / 1024 / 1024)} MB. Exclude build output and dependencies with .slugignore or .gitignore.`,
    { details: { limit } },
  );
}

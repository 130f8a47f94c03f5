import type { FastifyInstance } from 'fastify';
import { ATTACH_PROTOCOL, DEFAULT_DYNO_SIZE, PaasError, isConfigKey, type DynoCreate } from '@paas/core';
import type { OneOffRequest } from '@paas/dyno-manager';
import { appSpec } from '../app-spec.js';
import type { ApiContext } from '../context.js';
import { RunSessions, type RunSessionOptions } from '../run-sessions.js';
import { installUpgradeBridge, isUpgrade, takeUpgrade } from '../upgrade-bridge.js';
import { canonicalSize, currentRelease, dynoWire, type DynoOps } from './dyno-support.js';
import { appParams } from './schemas.js';

/** Longest a one-off dyno may be asked to live: a week (the default is the cycling age, 24 hours). */
const MAX_TIME_TO_LIVE_S = 7 * 24 * 3600;

const createBody = {
  type: 'object',
  required: ['command'],
  additionalProperties: false,
  properties: {
    command: { type: 'string', minLength: 1, maxLength: 32_768 },
    attach: { type: 'boolean' },
    force_no_tty: { type: 'boolean' },
    size: { type: 'string', minLength: 1, maxLength: 50 },
    env: { type: 'object', maxProperties: 100, additionalProperties: { type: 'string', maxLength: 32_768 } },
    time_to_live: { type: 'integer', minimum: 1, maximum: MAX_TIME_TO_LIVE_S },
    // Heroku's clients send it; one-off dynos here are always `run`.
    type: { type: 'string', enum: ['run'] },
  },
} as const;

const attachParams = {
  type: 'object',
  required: ['app', 'dyno'],
  properties: { app: appParams.properties.app, dyno: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

/**
 * One-off dynos: `POST /apps/:app/dynos` starts `run.N` from the current release with its config. With
 * `attach`, the answer carries an `attach_url`; the client upgrades a `GET` of it to `paas-attach/1` and
 * gets stdin, stdout, stderr, resizes, signals and the exit status over one connection. Without, the output
 * goes to the app's logs.
 */
export function dynoRunRoutes(app: FastifyInstance, ctx: ApiContext, dynos: DynoOps, options?: Partial<RunSessionOptions>): void {
  const { store } = ctx;
  const sessions = new RunSessions({ clock: ctx.clock, logger: ctx.logger, ...(options ? { options } : {}) });
  installUpgradeBridge(app);
  app.addHook('preClose', async () => sessions.closeAll());

  app.post<{ Params: { app: string }; Body: DynoCreate }>('/apps/:app/dynos', { schema: { params: appParams, body: createBody } }, async (request, reply) => {
    const record = store.getApp(request.params.app);
    const body = request.body;
    const { release, slug } = currentRelease(store, record);
    for (const key of Object.keys(body.env ?? {})) {
      if (!isConfigKey(key)) throw new PaasError('invalid_params', `Invalid environment variable name ${JSON.stringify(key)}.`);
    }
    const spec = appSpec(store, record, release, slug);
    const req: OneOffRequest = {
      spec: { app: spec.app, release: spec.release, env: spec.env, processTypes: spec.processTypes },
      command: body.command,
      type: 'run',
      size: canonicalSize(dynos.sizes, body.size ?? DEFAULT_DYNO_SIZE),
      ...(body.attach ? { attach: { tty: !body.force_no_tty } } : {}),
      ...(body.env ? { env: body.env } : {}),
      ...(body.time_to_live ? { timeoutMs: body.time_to_live * 1000 } : {}),
    };
    const dyno = await dynos.runOneOff(req);
    let attachUrl: string | null = null;
    if (body.attach) {
      sessions.open(record.id, dyno);
      attachUrl = `/apps/${encodeURIComponent(record.name)}/dynos/${dyno.id}/attach`;
    }
    // Detached, nobody reads `onOutput`: the output reaches the app's log stream the way every dyno's does,
    // from the engine's log of the container (`paas.kind=run`), and the exit is a platform line there.
    ctx.logger.info({ app: record.name, dyno: dyno.name, attach: body.attach ?? false }, 'one-off dyno started');
    const status = dynos.listDynos(record.id).find((d) => d.id === dyno.id);
    const now = ctx.clock.now();
    const wire = status
      ? dynoWire(status, attachUrl)
      : {
          // Already gone (a command that ends at once): its facts from the request.
          ...dynoWire(
            { id: dyno.id, name: dyno.name, type: 'run', state: 'up', command: body.command, size: req.size, release: { id: release.id, version: release.version }, since: now, createdAt: now, backend: undefined },
            attachUrl,
          ),
        };
    return reply.status(201).send(wire);
  });

  app.get<{ Params: { app: string; dyno: string } }>('/apps/:app/dynos/:dyno/attach', { schema: { params: attachParams } }, async (request, reply) => {
    const record = store.getApp(request.params.app);
    if ((request.headers.upgrade ?? '').toLowerCase() !== ATTACH_PROTOCOL || !isUpgrade(request.raw)) {
      throw new PaasError('invalid_params', `Attaching needs an HTTP upgrade: send Connection: Upgrade and Upgrade: ${ATTACH_PROTOCOL}.`);
    }
    const session = sessions.find(record.id, request.params.dyno);
    if (!session) throw new PaasError('dyno_not_found', `No attachable one-off dyno ${request.params.dyno} on ${record.name}.`);
    if (session.attached) throw new PaasError('conflict', `Someone is attached to ${session.dyno.name} already.`);
    const upgrade = takeUpgrade(request.raw)!;
    reply.hijack();
    session.attach(upgrade.socket, upgrade.head);
  });
}

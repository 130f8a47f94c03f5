import { ATTACH_SIGNALS, PaasError, isConfigKey, isPaasError, type DynoSize } from '@paas/core';
import type { Attachment, ContainerInfo } from '@paas/runtime';
import type { AppState } from './app-state.js';
import { reconnectDelay } from './backoff.js';
import { buildOneOffContainerSpec, commandOf, findDynoSize, formatContainerName } from './container-spec.js';
import { delay, type ManagerContext, type ResolvedOptions } from './context.js';
import { ONE_OFF_KIND, oneOffSelector, parseDynoLabels } from './labels.js';
import { messages } from './messages.js';
import { nextOneOffIndex, type OneOffRecord } from './one-off-record.js';
import type { OneOffDyno, OneOffRequest } from './types.js';

/** Output kept for a listener that has not registered yet (the API attaches just after the start). */
const OUTPUT_BUFFER_BYTES = 1024 * 1024;
/** The output stream can lag the exit by a moment; wait this long for it so no line is lost. */
const OUTPUT_FLUSH_MS = 2_000;
const SIGKILL_STATUS = 137;
const MAX_TIMER_MS = 2 ** 31 - 1;
const NAME_ATTEMPTS = 3;
const MAX_COMMAND_BYTES = 32 * 1024;

type OutputListener = (stream: 'stdout' | 'stderr', chunk: Buffer) => void;

/**
 * Starts a one-off dyno and watches it until it exits, then removes it. `run.N` and `release.N` take the
 * lowest number free for the app and type. Never restarted; killed after its time to live (the request's,
 * else the cycling age).
 */
export async function runOneOff(ctx: ManagerContext, app: AppState, request: OneOffRequest): Promise<OneOffDyno> {
  const size = validateOneOff(request, ctx.options);
  const { runtime, clock, options } = ctx;
  const index = nextOneOffIndex(request.type, [...[...app.oneOffs.values()].map((o) => o.name), ...app.oneOffNames]);
  const name = `${request.type}.${index}`;
  const tty = request.attach?.tty ?? false;
  app.oneOffNames.add(name);
  let id: string | undefined;
  let attachment: Attachment | undefined;
  const relay = createOutputRelay(ctx, app.id, name);
  let rec: OneOffRecord;
  try {
    for (let attempt = 1; id === undefined; attempt++) {
      const containerName = formatContainerName(request.spec.app.name, name, ctx.random);
      const spec = buildOneOffContainerSpec({ request, index, size, containerName, ...options, selector: oneOffSelector(options.platform) });
      try {
        id = await runtime.createContainer(spec);
      } catch (err) {
        if (!isPaasError(err, 'conflict') || attempt >= NAME_ATTEMPTS) throw err;
      }
    }
    // Attached before the start, so not a byte of output is lost.
    attachment = await runtime.attachContainer(id, { stdin: request.attach !== undefined, tty });
    attachment.onOutput(relay.push);
    const now = clock.now();
    rec = {
      id,
      name,
      type: request.type,
      index,
      releaseId: request.spec.release.id,
      releaseVersion: request.spec.release.version,
      command: request.command,
      size: size.name,
      state: 'starting',
      since: now,
      createdAt: now,
      adopted: false,
      stopping: false,
      killTimer: undefined,
    };
    app.oneOffs.set(id, rec);
    app.oneOffNames.delete(name);
    ctx.appLog(app, name, messages.starting(request.command));
    ctx.emitChange(app);
    await runtime.startContainer(id);
  } catch (err) {
    app.oneOffNames.delete(name);
    if (id !== undefined) {
      app.oneOffs.delete(id);
      attachment?.close();
      await runtime.removeContainer(id, { force: true }).catch(() => {});
      ctx.emitChange(app);
    }
    if (!app.spec) void ctx.requestPass(app);
    throw err;
  }
  setUp(ctx, app, rec);
  ctx.logger.info({ app: app.id, dyno: name, container: id, release: rec.releaseVersion }, 'one-off dyno started');
  // Without a time to live of its own, a one-off dyno lives as long as cycling lets any dyno live.
  const ttl = request.timeoutMs ?? (options.maxAgeMs > 0 ? options.maxAgeMs : undefined);
  if (ttl !== undefined) armTimeToLive(ctx, app, rec, ttl);
  const exited = superviseOneOff(ctx, app, rec, attachment);
  // The caller may never await it (a detached run); a rejection must not go unhandled.
  exited.catch(() => {});
  const containerId = id;
  return {
    name,
    id: containerId,
    onOutput: relay.listen,
    stdin: attachment.stdin,
    resize: (columns, rows) => (tty ? runtime.resizeContainer(containerId, { columns, rows }) : Promise.resolve()),
    signal: (signal) => signalOneOff(ctx, rec, signal),
    exited,
  };
}

/**
 * Takes over the one-off dynos found at start-up: a running one is watched until it exits (its output
 * is lost: nobody is attached any more), one that ended meanwhile is removed. None is killed here; those
 * of an app that is not applied again go with it (see `reconcileUnknownApp`).
 */
export async function adoptOneOffs(ctx: ManagerContext, appFor: (id: string) => AppState): Promise<void> {
  const containers = await ctx.runtime.listContainers({ ...oneOffSelector(ctx.options.platform) });
  await Promise.all(containers.map((info) => adoptOneOff(ctx, appFor, info)));
}

async function adoptOneOff(ctx: ManagerContext, appFor: (id: string) => AppState, info: ContainerInfo): Promise<void> {
  const who = parseDynoLabels(info.labels, ONE_OFF_KIND);
  if (!who) return;
  const app = appFor(who.appId);
  if (info.state !== 'running' && info.state !== 'paused') {
    if (info.state === 'exited' || info.state === 'dead') {
      ctx.appLog(app, who.name, messages.exited(info.exitCode));
      ctx.appLog(app, who.name, messages.complete);
    }
    await ctx.runtime.removeContainer(info.id, { force: true }).catch((err: unknown) => ctx.logger.warn({ err, container: info.id }, 'could not remove an ended one-off dyno'));
    return;
  }
  const createdAt = info.createdAt.getTime();
  const rec: OneOffRecord = {
    id: info.id,
    name: who.name,
    type: who.type,
    index: who.index,
    releaseId: who.releaseId,
    releaseVersion: who.releaseVersion,
    command: commandOf(info.cmd),
    size: who.size,
    state: 'up',
    since: info.startedAt?.getTime() ?? createdAt,
    createdAt,
    adopted: true,
    stopping: false,
    killTimer: undefined,
  };
  app.oneOffs.set(rec.id, rec);
  ctx.logger.info({ app: app.id, dyno: rec.name, container: rec.id }, 'one-off dyno adopted');
  if (ctx.options.maxAgeMs > 0) armTimeToLive(ctx, app, rec, ctx.options.maxAgeMs, createdAt + ctx.options.maxAgeMs - ctx.clock.now());
  superviseOneOff(ctx, app, rec, undefined).catch(() => {});
  ctx.emitChange(app);
}

/** Kills a one-off dyno at once; its supervision removes it. */
export async function killOneOff(ctx: ManagerContext, rec: OneOffRecord): Promise<void> {
  rec.stopping = true;
  await ctx.runtime.killContainer(rec.id, 'SIGKILL');
}

/** Stops a one-off dyno the Heroku way (SIGTERM, grace, SIGKILL); its supervision removes it. */
export async function stopOneOff(ctx: ManagerContext, app: AppState, rec: OneOffRecord): Promise<void> {
  rec.stopping = true;
  ctx.appLog(app, rec.name, messages.sigterm);
  await ctx.runtime.stopContainer(rec.id, { timeoutSec: Math.ceil(ctx.options.stopTimeoutMs / 1000) });
}

function setUp(ctx: ManagerContext, app: AppState, rec: OneOffRecord): void {
  rec.state = 'up';
  rec.since = ctx.clock.now();
  ctx.appLog(app, rec.name, messages.stateChanged('starting', 'up'));
  ctx.emitChange(app);
}

/** Kills the dyno `leftMs` from now, for running longer than `ttlMs` (they differ for an adopted dyno). */
function armTimeToLive(ctx: ManagerContext, app: AppState, rec: OneOffRecord, ttlMs: number, leftMs = ttlMs): void {
  rec.killTimer = ctx.clock.setTimeout(
    () => {
      rec.killTimer = undefined;
      ctx.appLog(app, rec.name, messages.timeToLive(ttlMs));
      ctx.appLog(app, rec.name, messages.sigkill);
      killOneOff(ctx, rec).catch((err: unknown) => ctx.logger.warn({ err, app: app.id, dyno: rec.name }, 'could not kill a one-off dyno'));
    },
    Math.min(MAX_TIMER_MS, Math.max(0, leftMs)),
  );
}

/** Waits for the exit, lets the output drain, logs it the Heroku way, removes the container. */
async function superviseOneOff(ctx: ManagerContext, app: AppState, rec: OneOffRecord, attachment: Attachment | undefined): Promise<{ exitCode: number }> {
  const { runtime, clock } = ctx;
  let exitCode: number;
  try {
    exitCode = await waitForExit(ctx, rec.id);
  } catch (err) {
    if (rec.killTimer !== undefined) clock.clearTimeout(rec.killTimer);
    throw new PaasError('internal_error', `The dyno manager closed before ${rec.name} exited`, { cause: err });
  }
  if (attachment) {
    const flushed = new AbortController();
    await Promise.race([attachment.ended, delay(clock, OUTPUT_FLUSH_MS, flushed.signal)]);
    flushed.abort();
    attachment.close();
  }
  if (rec.killTimer !== undefined) clock.clearTimeout(rec.killTimer);
  const info = await runtime.inspectContainer(rec.id).catch(() => undefined);
  if (info?.oomKilled) {
    ctx.appLog(app, rec.name, messages.memoryQuota);
    ctx.appLog(app, rec.name, messages.sigkill);
  }
  ctx.appLog(app, rec.name, messages.exited(exitCode));
  ctx.appLog(app, rec.name, messages.complete);
  ctx.logger.info({ app: app.id, dyno: rec.name, container: rec.id, status: exitCode, oom: info?.oomKilled ?? false }, 'one-off dyno exited');
  try {
    await runtime.removeContainer(rec.id, { force: true });
  } catch (err) {
    // Left behind: the next start-up finds it ended and removes it.
    ctx.logger.warn({ err, app: app.id, dyno: rec.name }, 'could not remove a one-off dyno');
  }
  app.oneOffs.delete(rec.id);
  ctx.emitChange(app);
  if (!app.spec) void ctx.requestPass(app);
  return { exitCode };
}

/** The exit code, waiting through engine restarts (the wait's connection drops with dockerd). */
async function waitForExit(ctx: ManagerContext, id: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await ctx.runtime.waitContainer(id, { signal: ctx.shutdown })).exitCode;
    } catch (err) {
      if (ctx.shutdown.aborted) throw err;
      const info = await ctx.runtime.inspectContainer(id).then(
        (i) => i ?? null,
        () => undefined,
      );
      // Removed behind the manager's back: as good as killed.
      if (info === null) return SIGKILL_STATUS;
      if (info && (info.state === 'exited' || info.state === 'dead')) return info.exitCode;
      await delay(ctx.clock, reconnectDelay(attempt), ctx.shutdown);
    }
  }
}

async function signalOneOff(ctx: ManagerContext, rec: OneOffRecord, signal: string): Promise<void> {
  if (!(ATTACH_SIGNALS as readonly string[]).includes(signal)) {
    throw new PaasError('invalid_params', `Signal ${JSON.stringify(signal)} is not one of ${ATTACH_SIGNALS.join(', ')}`);
  }
  await ctx.runtime.killContainer(rec.id, signal);
}

function validateOneOff(request: OneOffRequest, options: ResolvedOptions): DynoSize {
  const fail = (message: string) => new PaasError('invalid_params', message, { details: { app: request.spec.app.name } });
  if (!request.spec.release.image) throw fail('The release has no image');
  if (request.type !== 'run' && request.type !== 'release') throw fail(`One-off dynos are of type run or release, not ${JSON.stringify(request.type)}`);
  if (typeof request.command !== 'string' || request.command.trim() === '') throw fail('The command is empty');
  if (Buffer.byteLength(request.command) > MAX_COMMAND_BYTES) throw fail(`The command is longer than ${MAX_COMMAND_BYTES} bytes`);
  if (request.timeoutMs !== undefined && !(Number.isInteger(request.timeoutMs) && request.timeoutMs > 0)) throw fail('The time to live must be a positive integer');
  for (const key of Object.keys(request.env ?? {})) if (!isConfigKey(key)) throw fail(`Invalid environment variable name ${JSON.stringify(key)}`);
  const size = findDynoSize(options.sizes, request.size);
  if (!size) throw fail(`Unknown dyno size ${JSON.stringify(request.size)}; sizes are ${options.sizes.map((s) => s.name).join(', ')}`);
  return size;
}

/** Output for the caller: buffered (up to a limit) until the first listener registers, then passed on. */
function createOutputRelay(ctx: ManagerContext, appId: string, dyno: string): { push: OutputListener; listen: (l: OutputListener) => void } {
  const listeners: OutputListener[] = [];
  let buffered: [stream: 'stdout' | 'stderr', chunk: Buffer][] = [];
  let bytes = 0;
  let dropped = 0;
  const deliver = (l: OutputListener, stream: 'stdout' | 'stderr', chunk: Buffer) => {
    try {
      l(stream, chunk);
    } catch (err) {
      ctx.logger.warn({ err, app: appId, dyno }, 'one-off output listener failed');
    }
  };
  return {
    push(stream, chunk) {
      if (listeners.length > 0) return listeners.forEach((l) => deliver(l, stream, chunk));
      if (bytes + chunk.length > OUTPUT_BUFFER_BYTES) {
        dropped += chunk.length;
        return;
      }
      buffered.push([stream, chunk]);
      bytes += chunk.length;
    },
    listen(listener) {
      listeners.push(listener);
      if (listeners.length > 1) return;
      if (dropped > 0) ctx.logger.warn({ app: appId, dyno, dropped }, 'one-off output dropped before anyone listened');
      const pending = buffered;
      buffered = [];
      for (const [stream, chunk] of pending) deliver(listener, stream, chunk);
    },
  };
}

import { PaasError, isPaasError } from '@paas/core';
import type { ContainerInfo } from '@paas/runtime';
import { isRouted, type AppState, type DynoRecord } from './app-state.js';
import { recordCrash } from './backoff.js';
import { watchBoot, type BootOutcome } from './boot-watch.js';
import { buildDynoContainerSpec, commandOf, findDynoSize, formatContainerName } from './container-spec.js';
import type { ManagerContext } from './context.js';
import { cycleDeadline } from './cycle-deadline.js';
import { ENGINE_STOP_HOLD_MS, inEngineSettle } from './engine-restart.js';
import { isLive, nextDynoState, type DynoTransition } from './dyno-state.js';
import type { DynoIdentity } from './labels.js';
import { messages } from './messages.js';
import type { AppSpec } from './types.js';

/** Exit status of a process ended by SIGKILL. */
const SIGKILL_STATUS = 137;
/** Random container-name suffixes tried before giving up on a name conflict. */
const NAME_ATTEMPTS = 3;

/** Applies a transition to a dyno, and tells the app's log and listeners when the state changed. */
export function setDynoState(ctx: ManagerContext, app: AppState, rec: DynoRecord, event: DynoTransition): void {
  const from = rec.state;
  const to = nextDynoState(from, event);
  if (to === from) return;
  rec.state = to;
  rec.since = ctx.clock.now();
  if (to === 'up') rec.upSince = rec.since;
  if (to !== 'starting' && to !== 'up') rec.done.abort();
  // An adopted dyno was up before the manager restarted: finding that again is not news for the app.
  if (!(rec.adopted && from === 'starting' && to === 'up')) ctx.appLog(app, rec.name, messages.stateChanged(from, to));
  ctx.logger.info({ app: app.id, dyno: rec.name, container: rec.id, from, to }, 'dyno state changed');
  ctx.emitChange(app);
}

function newRecord(ctx: ManagerContext, id: string, who: DynoIdentity, command: string, extra: Partial<DynoRecord>): DynoRecord {
  const now = ctx.clock.now();
  const rec: DynoRecord = {
    id,
    name: who.name,
    type: who.type,
    index: who.index,
    releaseId: who.releaseId,
    releaseVersion: who.releaseVersion,
    command,
    size: who.size,
    state: 'starting',
    since: now,
    createdAt: now,
    ip: undefined,
    candidate: false,
    stopping: false,
    adopted: false,
    oom: false,
    stoppedElsewhere: false,
    upSince: undefined,
    exitCode: undefined,
    restartAt: undefined,
    cycleAt: undefined,
    replaceAfter: undefined,
    done: new AbortController(),
    ...extra,
  };
  // Counted from the container's creation, so an adopted dyno keeps its age across control-plane restarts.
  rec.cycleAt = cycleDeadline(rec.createdAt, ctx.options, ctx.random);
  return rec;
}

/**
 * Creates and starts one dyno of `spec`. Web dynos outside a deploy get a boot watch; a deploy (`candidate`)
 * watches its own. `restarting` says it replaces a crashed dyno, which the app's log shows.
 */
export async function launchDyno(
  ctx: ManagerContext,
  app: AppState,
  spec: AppSpec,
  at: { type: string; index: number },
  opts: { candidate: boolean; restarting: boolean },
): Promise<DynoRecord> {
  const { options, runtime } = ctx;
  const size = findDynoSize(options.sizes, spec.formation[at.type]?.size ?? '');
  if (!size) throw new PaasError('invalid_params', `Unknown dyno size for ${at.type}`);
  const name = `${at.type}.${at.index}`;
  const command = spec.processTypes[at.type] ?? '';
  let id: string | undefined;
  for (let attempt = 1; id === undefined; attempt++) {
    const containerName = formatContainerName(spec.app.name, name, ctx.random);
    const containerSpec = buildDynoContainerSpec({ ...at, spec, size, containerName, ...options, selector: ctx.selector });
    try {
      id = await runtime.createContainer(containerSpec);
    } catch (err) {
      if (!isPaasError(err, 'conflict') || attempt >= NAME_ATTEMPTS) throw err;
    }
  }
  const who: DynoIdentity = {
    appId: spec.app.id,
    appName: spec.app.name,
    releaseId: spec.release.id,
    releaseVersion: spec.release.version,
    type: at.type,
    index: at.index,
    name,
    size: size.name,
  };
  const rec = newRecord(ctx, id, who, command, { candidate: opts.candidate });
  app.records.set(id, rec);
  if (opts.restarting) ctx.appLog(app, name, messages.stateChanged('crashed', 'starting'));
  ctx.appLog(app, name, messages.starting(command));
  ctx.emitChange(app);
  try {
    await runtime.startContainer(id);
    const info = await runtime.inspectContainer(id);
    rec.ip = info?.networks[options.network];
  } catch (err) {
    app.records.delete(id);
    rec.done.abort();
    await runtime.removeContainer(id, { force: true }).catch(() => {});
    ctx.emitChange(app);
    throw err;
  }
  ctx.logger.info({ app: app.id, dyno: name, container: id, ip: rec.ip, release: spec.release.version }, 'dyno started');
  if (at.type !== 'web') setDynoState(ctx, app, rec, 'booted');
  else if (!opts.candidate) void superviseBoot(ctx, app, rec, options.bootTimeoutMs);
  return rec;
}

/**
 * Watches the boot of a web dyno started outside a deploy: accepting makes it up (and routable); a boot
 * timeout is an R10, after which the dyno is killed and handled as a crash, so it restarts with backoff.
 */
export async function superviseBoot(ctx: ManagerContext, app: AppState, rec: DynoRecord, timeoutMs: number): Promise<BootOutcome> {
  const outcome = await watchBoot(ctx, rec, timeoutMs);
  if (outcome === 'up') setDynoState(ctx, app, rec, 'booted');
  if (outcome === 'timeout' && isLive(rec.state) && !rec.stopping) {
    ctx.appLog(app, rec.name, messages.bootTimeout(ctx.options.bootTimeoutMs));
    ctx.appLog(app, rec.name, messages.sigkill);
    try {
      await ctx.runtime.killContainer(rec.id, 'SIGKILL');
    } catch (err) {
      ctx.logger.warn({ err, app: app.id, dyno: rec.name }, 'could not kill a dyno after its boot timeout');
    }
    recordExit(ctx, app, rec, { status: SIGKILL_STATUS, oom: false });
  }
  return outcome;
}

/**
 * A dyno's process ended without the manager asking: log it the Heroku way, mark it crashed, and note when
 * it may restart. Idempotent, because both the event stream and a reconcile pass may report one exit.
 */
export function recordExit(ctx: ManagerContext, app: AppState, rec: DynoRecord, exit: { status: number | undefined; oom: boolean }): void {
  if (rec.stopping || !isLive(rec.state)) return;
  const now = ctx.clock.now();
  if (exit.oom || rec.oom) {
    ctx.appLog(app, rec.name, messages.memoryQuota);
    ctx.appLog(app, rec.name, messages.sigkill);
  }
  if (exit.status !== undefined) ctx.appLog(app, rec.name, messages.exited(exit.status));
  const pardoned = inEngineSettle(ctx);
  const crash = recordCrash(
    // An exit the engine's own restart caused restarts the dyno at once and does not count.
    pardoned ? undefined : app.crashes.get(rec.name),
    { releaseId: rec.releaseId, now, upForMs: rec.upSince === undefined ? 0 : now - rec.upSince },
    ctx.options.crashBackoff,
  );
  // Stopped by someone else, most likely the engine on its way down: starting a dyno in a stopping engine
  // leaves a container it cannot remove, so the restart waits (the reconnection after an engine restart
  // starts it at once anyway).
  if (rec.stoppedElsewhere && !pardoned) crash.restartAt = Math.max(crash.restartAt, now + ENGINE_STOP_HOLD_MS);
  if (pardoned) app.crashes.delete(rec.name);
  else app.crashes.set(rec.name, crash);
  rec.exitCode = exit.status;
  rec.restartAt = crash.restartAt;
  ctx.logger.warn(
    { app: app.id, dyno: rec.name, container: rec.id, status: exit.status, oom: exit.oom || rec.oom, crashes: crash.count, restartInMs: crash.restartAt - now },
    'dyno crashed',
  );
  setDynoState(ctx, app, rec, 'exited');
  void ctx.requestPass(app);
}

/**
 * Stops a dyno the Heroku way (SIGTERM, the grace period, SIGKILL with R12) and removes its container.
 * It is unrouted first, so listeners drop it before the signal.
 */
export async function stopDyno(ctx: ManagerContext, app: AppState, rec: DynoRecord): Promise<void> {
  const { runtime, options } = ctx;
  const wasRouted = isRouted(app, rec);
  rec.stopping = true;
  rec.done.abort();
  if (wasRouted) ctx.emitChange(app);
  if (isLive(rec.state)) {
    ctx.appLog(app, rec.name, messages.sigterm);
    await runtime.stopContainer(rec.id, { timeoutSec: Math.ceil(options.stopTimeoutMs / 1000) });
    const info = await runtime.inspectContainer(rec.id);
    if (info) {
      // Docker does not say whether the grace ran out; a SIGKILL status without an OOM kill means it did.
      if (info.exitCode === SIGKILL_STATUS && !info.oomKilled) {
        ctx.appLog(app, rec.name, messages.exitTimeout(options.stopTimeoutMs));
        ctx.appLog(app, rec.name, messages.sigkillAll);
      }
      ctx.appLog(app, rec.name, messages.exited(info.exitCode));
    }
  }
  setDynoState(ctx, app, rec, 'stopped');
  await runtime.removeContainer(rec.id, { force: true });
  forget(ctx, app, rec);
}

/** Removes a dyno's container without ceremony: it is not running (crashed), or it is being rolled back. */
export async function discardDyno(ctx: ManagerContext, app: AppState, rec: DynoRecord): Promise<void> {
  rec.stopping = true;
  rec.done.abort();
  await ctx.runtime.removeContainer(rec.id, { force: true });
  forget(ctx, app, rec);
}

function forget(ctx: ManagerContext, app: AppState, rec: DynoRecord): void {
  if (app.records.get(rec.id) === rec) {
    app.records.delete(rec.id);
    ctx.emitChange(app);
  }
}

/**
 * Makes a record for a container the manager did not start (after its own restart, or one it missed).
 * A running web dyno starts in `starting` and gets a boot watch (returned) that finds it up at once when
 * it accepts; an exited one is a crash, logged as such.
 */
export function adoptContainer(
  ctx: ManagerContext,
  app: AppState,
  info: ContainerInfo,
  who: DynoIdentity,
): { rec: DynoRecord; boot: Promise<BootOutcome> | undefined } {
  const createdAt = info.createdAt.getTime();
  const rec = newRecord(ctx, info.id, who, commandOf(info.cmd), {
    adopted: true,
    createdAt,
    since: info.startedAt?.getTime() ?? createdAt,
    ip: info.networks[ctx.options.network],
  });
  app.records.set(info.id, rec);
  ctx.logger.info({ app: app.id, dyno: who.name, container: info.id, state: info.state }, 'dyno adopted');
  let boot: Promise<BootOutcome> | undefined;
  if (info.state === 'running' || info.state === 'paused') {
    if (who.type === 'web') boot = superviseBoot(ctx, app, rec, ctx.options.bootTimeoutMs);
    else setDynoState(ctx, app, rec, 'booted');
  } else {
    // It ran before and stopped while nobody watched (an engine restart, say): a crash, from `up`.
    rec.state = 'up';
    recordExit(ctx, app, rec, { status: info.exitCode, oom: info.oomKilled });
  }
  ctx.emitChange(app);
  return { rec, boot };
}

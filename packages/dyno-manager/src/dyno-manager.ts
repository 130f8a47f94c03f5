import { PaasError, type Clock, type Logger, type Random, type RouteBackend, type TimerHandle } from '@paas/core';
import type { ContainerEvent, ContainerInfo, ContainerRuntime } from '@paas/runtime';
import { createAppState, enqueue, forgetIfIdle, isRouted, toDynoStatus, type AppState, type DynoRecord } from './app-state.js';
import type { BootOutcome } from './boot-watch.js';
import { createAppLog, delay, type ManagerContext } from './context.js';
import { discardDyno, recordExit, stopDyno } from './dyno-lifecycle.js';
import { isLive } from './dyno-state.js';
import { pardonEngineRestart } from './engine-restart.js';
import { watchEvents } from './event-watch.js';
import { DYNO_LABELS, platformSelector } from './labels.js';
import { resolveOptions, validateSpec } from './options.js';
import { fullPass, listAppContainers, reconcileApp, scheduleWake, syncRecords, syncRoutes } from './reconciler.js';
import { adoptOneOffs, killOneOff, runOneOff } from './one-off.js';
import { oneOffStatus } from './one-off-record.js';
import { restartDynos, stopOne } from './restart.js';
import { rollout } from './rollout.js';
import type { DynoEventSink, DynoManager, DynoManagerOptions, DynoStatus, PortProbe, RouteSync } from './types.js';

/** SIGTERM, as the engine numbers it in `kill` events. */
const SIGTERM_NUMBER = 15;
/** How long `start()` waits for adopted web dynos to answer on $PORT before returning anyway. */
const ADOPTION_WAIT_MS = 5_000;

export interface DynoManagerDeps {
  runtime: ContainerRuntime;
  clock: Clock;
  random: Random;
  probe: PortProbe;
  routes: RouteSync;
  logger: Logger;
  /** The apps' log streams: platform lines about their dynos. */
  events?: DynoEventSink;
  options: DynoManagerOptions;
}

/**
 * The dyno manager: keeps each app's formation running as containers, restarts crashed dynos with backoff,
 * and swaps releases with zero downtime. State lives in the engine (container labels); the manager's
 * records are rebuilt from it on `start()`.
 */
export function createDynoManager(deps: DynoManagerDeps): DynoManager {
  const logger = deps.logger;
  const shutdown = new AbortController();
  const listeners = new Set<(appId: string) => void>();
  const apps = new Map<string, AppState>();
  let started = false;
  let periodic: TimerHandle | undefined;
  let watching: Promise<void> = Promise.resolve();

  const ctx: ManagerContext = {
    runtime: deps.runtime,
    clock: deps.clock,
    random: deps.random,
    probe: deps.probe,
    routes: deps.routes,
    logger,
    options: resolveOptions(deps.options),
    selector: platformSelector(deps.options.platform ?? 'default'),
    apps,
    shutdown: shutdown.signal,
    emitChange(app) {
      for (const listener of listeners) {
        try {
          listener(app.id);
        } catch (err) {
          logger.error({ err, app: app.id }, 'dyno change listener failed');
        }
      }
    },
    appLog: createAppLog(deps.events, logger),
    engine: { lost: false, pardonUntil: 0 },
    requestPass(app) {
      if (app.pendingPass) return app.pendingPass;
      const pass = enqueue(app, () => {
        app.pendingPass = undefined;
        return reconcileApp(ctx, app);
      }).catch((err: unknown) => logger.error({ err, app: app.id }, 'reconcile pass failed'));
      app.pendingPass = pass;
      return pass;
    },
  };
  const { runtime, clock, options } = ctx;

  const appFor = (id: string): AppState => {
    let app = apps.get(id);
    if (!app) {
      app = createAppState(id);
      apps.set(id, app);
    }
    return app;
  };

  const assertOpen = () => {
    if (shutdown.signal.aborted) throw new PaasError('internal_error', 'The dyno manager is closed');
  };

  const onEvent = (event: ContainerEvent) => {
    const appId = event.labels[DYNO_LABELS.appId];
    if (!appId) return;
    const app = apps.get(appId);
    const rec = app?.records.get(event.id);
    if (event.type === 'oom' && rec) rec.oom = true;
    if (event.type === 'kill' && rec && !rec.stopping && event.signal === SIGTERM_NUMBER) rec.stoppedElsewhere = true;
    if (event.type === 'die' && app && rec && isLive(rec.state) && !rec.stopping) {
      // The engine does not promise `oom` before `die`; the container's own record of the OOM kill is sure.
      void runtime
        .inspectContainer(event.id)
        .catch(() => undefined)
        .then((info) => recordExit(ctx, app, rec, { status: event.exitCode ?? info?.exitCode, oom: rec.oom || info?.oomKilled === true }));
    }
    if (event.type !== 'die' && event.type !== 'oom' && event.type !== 'start' && event.type !== 'destroy') return;
    // The manager's own starts and stops need no pass; anything else about the app does.
    if (rec && (rec.stopping || (event.type === 'start' && isLive(rec.state)))) return;
    void ctx.requestPass(app ?? appFor(appId));
  };

  const schedulePeriodic = () => {
    periodic = clock.setTimeout(() => {
      periodic = undefined;
      fullPass(ctx, appFor)
        .catch((err: unknown) => logger.warn({ err }, 'periodic reconcile pass failed'))
        .finally(() => {
          if (!shutdown.signal.aborted) schedulePeriodic();
        });
    }, options.reconcileIntervalMs);
  };

  const adoptAll = async () => {
    const byApp = new Map<string, ContainerInfo[]>();
    for (const info of await runtime.listContainers({ ...ctx.selector })) {
      const id = info.labels[DYNO_LABELS.appId];
      if (id) byApp.set(id, [...(byApp.get(id) ?? []), info]);
    }
    const boots: Promise<BootOutcome>[] = [];
    await Promise.all([
      ...[...byApp].map(([id, containers]) => {
        const app = appFor(id);
        return enqueue(app, async () => void boots.push(...(await syncRecords(ctx, app, containers))));
      }),
      adoptOneOffs(ctx, appFor),
    ]);
    // Adopted web dynos that accept now are `up` when start() returns; one still booting is not waited for.
    const waited = new AbortController();
    await Promise.race([Promise.all(boots), delay(clock, ADOPTION_WAIT_MS, waited.signal)]);
    waited.abort();
    logger.info({ apps: byApp.size, dynos: [...byApp.values()].reduce((n, l) => n + l.length, 0) }, 'dynos adopted');
  };

  return {
    async start() {
      assertOpen();
      if (started) return;
      started = true;
      await adoptAll();
      watching = watchEvents(ctx, onEvent, (lostAt) => {
        if (lostAt !== undefined) pardonEngineRestart(ctx, lostAt);
        return fullPass(ctx, appFor);
      });
      schedulePeriodic();
    },

    async close() {
      if (shutdown.signal.aborted) return;
      shutdown.abort();
      if (periodic !== undefined) clock.clearTimeout(periodic);
      for (const app of apps.values()) scheduleWake(ctx, app, undefined);
      await watching;
      await Promise.all([...apps.values()].map((app) => app.queue));
    },

    async deploy(spec) {
      assertOpen();
      validateSpec(spec, options);
      const app = appFor(spec.app.id);
      await enqueue(app, () => rollout(ctx, app, spec));
    },

    async apply(spec) {
      assertOpen();
      validateSpec(spec, options);
      const app = appFor(spec.app.id);
      await enqueue(app, async () => {
        app.spec = spec;
        app.unknownSince = undefined;
        // Dynos of this release that were adopted become routable now.
        ctx.emitChange(app);
        await reconcileApp(ctx, app);
      });
    },

    async scale(appId, formation) {
      assertOpen();
      const app = apps.get(appId);
      if (!app?.spec) throw new PaasError('no_release', 'The app has no running release; push code first.');
      validateSpec({ ...app.spec, formation }, options);
      await enqueue(app, async () => {
        if (!app.spec) throw new PaasError('no_release', 'The app has no running release; push code first.');
        app.spec = { ...app.spec, formation };
        ctx.emitChange(app);
        await reconcileApp(ctx, app);
      });
    },

    async restart(appId, target) {
      assertOpen();
      const app = apps.get(appId);
      if (!app) throw new PaasError('dyno_not_found', 'The app has no dynos.');
      await enqueue(app, () => restartDynos(ctx, app, target));
    },

    async stop(appId, dyno) {
      assertOpen();
      const app = apps.get(appId);
      if (!app) throw new PaasError('dyno_not_found', `No dyno ${dyno}.`, { details: { dyno } });
      await enqueue(app, () => stopOne(ctx, app, dyno));
    },

    async runOneOff(request) {
      assertOpen();
      return runOneOff(ctx, appFor(request.spec.app.id), request);
    },

    sizes: options.sizes,

    async remove(appId) {
      assertOpen();
      const app = appFor(appId);
      await enqueue(app, () => removeApp(ctx, app));
    },

    listDynos(appId) {
      const app = apps.get(appId);
      if (!app) return [];
      // A stopped or discarded dyno is on its way out (its container may linger while the engine cannot remove it).
      const leaving = (rec: DynoRecord) => rec.state === 'down' || (rec.stopping && !isLive(rec.state));
      const formation = [...app.records.values()].filter((rec) => !leaving(rec)).map((rec): DynoStatus => toDynoStatus(app, rec, options.port));
      const oneOffs = [...app.oneOffs.values()].map(oneOffStatus);
      const index = (d: DynoStatus) => Number(d.name.slice(d.name.lastIndexOf('.') + 1));
      return [...formation, ...oneOffs].sort((a, b) => a.type.localeCompare(b.type) || index(a) - index(b) || a.createdAt - b.createdAt);
    },

    backends(appId) {
      const app = apps.get(appId);
      if (!app) return [];
      return [...app.records.values()]
        .filter((rec) => isRouted(app, rec))
        .sort((a, b) => a.index - b.index)
        .map((rec): RouteBackend => ({ dyno: rec.name, host: rec.ip ?? '', port: options.port }));
    },

    isCrashed(appId) {
      const app = apps.get(appId);
      return app !== undefined && allWebCrashed(app);
    },

    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/** Every desired web dyno of the current release has crashed (and none is starting or up). */
function allWebCrashed(app: AppState): boolean {
  const spec = app.spec;
  const quantity = spec?.formation['web']?.quantity ?? 0;
  if (!spec || quantity === 0) return false;
  for (let index = 1; index <= quantity; index++) {
    const name = `web.${index}`;
    const recs = [...app.records.values()].filter((r) => r.name === name && r.releaseId === spec.release.id && !r.candidate && !r.stopping);
    if (recs.some((r) => isLive(r.state))) return false;
    if (recs.length === 0 && app.crashes.get(name)?.releaseId !== spec.release.id) return false;
  }
  return true;
}

/** Unroutes every dyno, lets the routers drain, then stops and removes them all and forgets the app. */
async function removeApp(ctx: ManagerContext, app: AppState): Promise<void> {
  app.spec = undefined;
  scheduleWake(ctx, app, undefined);
  const containers = await listAppContainers(ctx, app.id);
  const recs = [...app.records.values()].sort((a, b) => b.index - a.index);
  for (const rec of recs) {
    rec.stopping = true;
    rec.done.abort();
  }
  ctx.emitChange(app);
  await syncRoutes(ctx, app);
  const strays = containers.filter((c) => !app.records.has(c.id));
  const results = await Promise.allSettled([
    ...recs.map((rec) => (isLive(rec.state) ? stopDyno(ctx, app, rec) : discardDyno(ctx, app, rec))),
    ...strays.map((c) => ctx.runtime.removeContainer(c.id, { force: true })),
    // The app is gone: so are its one-off dynos (their supervision removes them once they exit).
    ...[...app.oneOffs.values()].map((rec) => killOneOff(ctx, rec)),
  ]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Left as an unknown app: the reconciler removes what remains after the grace period.
    throw new PaasError('internal_error', 'Some dynos of the app could not be removed', { cause: failed.reason });
  }
  app.crashes.clear();
  forgetIfIdle(ctx.apps, app);
  ctx.emitChange(app);
}

import { parseDynoName } from '@paas/core';
import type { ContainerInfo } from '@paas/runtime';
import { forgetIfIdle, isRouted, type AppState, type DynoRecord } from './app-state.js';
import { recordCrash } from './backoff.js';
import type { BootOutcome } from './boot-watch.js';
import type { ManagerContext } from './context.js';
import { cycleDue, resizeDynos } from './cycling.js';
import { isLive } from './dyno-state.js';
import { adoptContainer, discardDyno, launchDyno, recordExit, stopDyno } from './dyno-lifecycle.js';
import { planFormation, type PlannedDyno } from './formation.js';
import { DYNO_LABELS, parseDynoLabels } from './labels.js';
import { killOneOff } from './one-off.js';

/** Node's timers take at most a signed 32-bit number of milliseconds (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Brings the manager's records in line with the app's containers: adopts unknown ones, notices exits the
 * event stream missed, forgets containers that are gone. Returns the boot watches of adopted web dynos.
 */
export async function syncRecords(ctx: ManagerContext, app: AppState, containers: readonly ContainerInfo[]): Promise<Promise<BootOutcome>[]> {
  const boots: Promise<BootOutcome>[] = [];
  const seen = new Set<string>();
  for (const info of containers) {
    const who = parseDynoLabels(info.labels);
    if (!who || who.appId !== app.id) continue;
    seen.add(info.id);
    const rec = app.records.get(info.id);
    if (!rec) {
      if (info.state === 'created' || info.state === 'removing') {
        // Never started (its creator died half-way) or on its way out: nothing to adopt. A slow removal
        // (the engine just restarted) must not hold up the pass.
        if (info.state === 'created') {
          ctx.runtime.removeContainer(info.id, { force: true }).catch((err: unknown) => ctx.logger.warn({ err, container: info.id }, 'could not remove a container that never started'));
        }
        continue;
      }
      const adopted = adoptContainer(ctx, app, info, who);
      if (adopted.boot) boots.push(adopted.boot);
      continue;
    }
    const ip = info.networks[ctx.options.network];
    if (ip !== undefined && ip !== rec.ip) rec.ip = ip;
    if ((info.state === 'exited' || info.state === 'dead') && isLive(rec.state)) {
      recordExit(ctx, app, rec, { status: info.exitCode, oom: info.oomKilled });
    }
  }
  for (const rec of [...app.records.values()]) {
    if (seen.has(rec.id)) continue;
    // Removed behind the manager's back (or the removal's event was missed): a crash if it was running.
    if (!rec.stopping && isLive(rec.state)) recordExit(ctx, app, rec, { status: undefined, oom: false });
    app.records.delete(rec.id);
    rec.done.abort();
    ctx.emitChange(app);
  }
  return boots;
}

export function listAppContainers(ctx: ManagerContext, appId: string): Promise<ContainerInfo[]> {
  return ctx.runtime.listContainers({ ...ctx.selector, [DYNO_LABELS.appId]: appId });
}

/**
 * One reconcile pass: desired formation against the containers that exist. Runs on the app's queue, so
 * passes, deploys and removal of one app never overlap.
 */
export async function reconcileApp(ctx: ManagerContext, app: AppState): Promise<void> {
  // With the engine gone, nothing can be done; its reconnection runs a full pass.
  if (ctx.shutdown.aborted || ctx.apps.get(app.id) !== app || ctx.engine.lost) return;
  await syncRecords(ctx, app, await listAppContainers(ctx, app.id));
  const spec = app.spec;
  if (!spec) return reconcileUnknownApp(ctx, app);

  const now = ctx.clock.now();
  const plan = planFormation({
    releaseId: spec.release.id,
    formation: spec.formation,
    // Candidates belong to a deploy in progress, which owns them; passes do not overlap deploys anyway.
    dynos: [...app.records.values()].filter((r) => !r.candidate).map(toPlanned),
    crashes: app.crashes,
    now,
  });
  // Scaling a type down and up again restarts its dynos' backoff from zero, as on Heroku.
  for (const name of app.crashes.keys()) {
    const dyno = parseDynoName(name);
    if (!dyno || dyno.index > (spec.formation[dyno.type]?.quantity ?? 0)) app.crashes.delete(name);
  }

  // Unroute everything that is going before signalling any of it, and let the routers drain.
  const leaving = plan.stop.map((s) => app.records.get(s.id)).filter((r): r is DynoRecord => r !== undefined);
  const wereRouted = leaving.filter((r) => isRouted(app, r));
  for (const rec of leaving) rec.stopping = true;
  if (wereRouted.length > 0) {
    ctx.emitChange(app);
    await syncRoutes(ctx, app);
  }

  const launches = plan.start.map(async (s) => {
    const crashed = s.replaces === undefined ? undefined : app.records.get(s.replaces);
    // The replacement does not wait for the crashed container's removal, which a busy engine can take
    // seconds over (or refuse, for a container left dead by an engine restart; later passes retry it).
    const discarding = crashed ? discardDyno(ctx, app, crashed) : Promise.resolve();
    const name = `${s.type}.${s.index}`;
    try {
      await launchDyno(ctx, app, spec, s, { candidate: false, restarting: crashed !== undefined || app.crashes.has(name) });
    } catch (err) {
      // A dyno that cannot start counts as a crash, so retries back off instead of spinning.
      const now = ctx.clock.now();
      app.crashes.set(name, recordCrash(app.crashes.get(name), { releaseId: spec.release.id, now, upForMs: 0 }, ctx.options.crashBackoff));
      throw err;
    } finally {
      await discarding.catch((err: unknown) => ctx.logger.warn({ err, app: app.id, dyno: name }, 'could not remove a crashed dyno; the next pass retries'));
    }
  });
  const stops = plan.stop.map(async (s) => {
    const rec = app.records.get(s.id);
    if (!rec) return;
    ctx.logger.info({ app: app.id, dyno: rec.name, container: rec.id, reason: s.reason }, 'stopping dyno');
    await stopDyno(ctx, app, rec);
  });
  const results = await Promise.allSettled([...launches, ...stops]);
  for (const r of results) {
    if (r.status === 'rejected') ctx.logger.error({ err: r.reason, app: app.id }, 'reconcile step failed; the next pass retries');
  }

  const upRecords = (ids: string[]) => ids.map((id) => app.records.get(id)).filter((r): r is DynoRecord => r !== undefined && r.state === 'up' && !r.stopping);
  let moreDue = false;
  try {
    await resizeDynos(ctx, app, spec, upRecords(plan.resize));
    moreDue = await cycleDue(ctx, app, spec, upRecords(plan.cycle));
  } catch (err) {
    ctx.logger.error({ err, app: app.id }, 'replacing dynos failed; the next pass retries');
  }
  scheduleWake(ctx, app, moreDue ? ctx.clock.now() : plan.wakeAt);
}

/**
 * Containers of an app nobody has asked for. After a control-plane restart the apps are applied one by
 * one, so they are only removed once the app has stayed unknown for `unknownAppGraceMs`.
 */
async function reconcileUnknownApp(ctx: ManagerContext, app: AppState): Promise<void> {
  // One-off dynos this manager started have an owner waiting on them (a release phase before the first
  // release); only those found at start-up, whose owner is gone, go with an unknown app.
  const orphans = [...app.oneOffs.values()].filter((o) => o.adopted);
  if (app.records.size === 0 && orphans.length === 0) return forgetIfIdle(ctx.apps, app);
  const now = ctx.clock.now();
  app.unknownSince ??= now;
  const removeAt = app.unknownSince + ctx.options.unknownAppGraceMs;
  if (now < removeAt) return scheduleWake(ctx, app, removeAt);
  ctx.logger.warn({ app: app.id, dynos: app.records.size, oneOffs: orphans.length }, 'removing the dynos of an unknown app');
  const recs = [...app.records.values()].sort((a, b) => b.index - a.index);
  await Promise.allSettled([
    ...recs.map((rec) => (isLive(rec.state) ? stopDyno(ctx, app, rec) : discardDyno(ctx, app, rec))),
    ...orphans.map((rec) => killOneOff(ctx, rec)),
  ]);
  forgetIfIdle(ctx.apps, app);
}

/** Waits for the routers to serve the current backends and drain the others; a failure only delays stops. */
export async function syncRoutes(ctx: ManagerContext, app: AppState): Promise<void> {
  try {
    await ctx.routes.sync();
  } catch (err) {
    ctx.logger.warn({ err, app: app.id }, 'route sync failed; stopping the unrouted dynos anyway');
  }
}

/** Arranges a pass at `at` (a crashed dyno's restart), replacing any earlier arrangement. */
export function scheduleWake(ctx: ManagerContext, app: AppState, at: number | undefined): void {
  if (app.wakeTimer !== undefined) ctx.clock.clearTimeout(app.wakeTimer);
  app.wakeTimer = undefined;
  if (at === undefined || ctx.shutdown.aborted) return;
  app.wakeTimer = ctx.clock.setTimeout(
    () => {
      app.wakeTimer = undefined;
      void ctx.requestPass(app);
    },
    Math.min(MAX_TIMER_MS, Math.max(0, at - ctx.clock.now())),
  );
}

/** Every app that is desired or has containers gets a pass. */
export async function fullPass(ctx: ManagerContext, appFor: (id: string) => AppState): Promise<void> {
  const containers = await ctx.runtime.listContainers({ ...ctx.selector });
  const ids = new Set(ctx.apps.keys());
  for (const c of containers) {
    const id = c.labels[DYNO_LABELS.appId];
    if (id) ids.add(id);
  }
  await Promise.all([...ids].map((id) => ctx.requestPass(appFor(id))));
}

function toPlanned(rec: DynoRecord): PlannedDyno {
  return {
    id: rec.id,
    name: rec.name,
    type: rec.type,
    index: rec.index,
    releaseId: rec.releaseId,
    size: rec.size,
    state: rec.state,
    retiring: rec.stopping,
    restartAt: rec.restartAt,
    createdAt: rec.createdAt,
    cycleAt: rec.cycleAt,
    replaceAfter: rec.replaceAfter,
  };
}

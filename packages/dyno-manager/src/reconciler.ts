import { parseDynoName } from '@paas/core';
import type { ContainerInfo } from '@paas/runtime';
import { forgetIfIdle, isRouted, type AppState, type DynoRecord } from './app-state.js';
import type { BootOutcome } from './boot-watch.js';
import type { ManagerContext } from './context.js';
import { isLive } from './dyno-state.js';
import { adoptContainer, discardDyno, launchDyno, recordExit, stopDyno } from './dyno-lifecycle.js';
import { planFormation, type PlannedDyno } from './formation.js';
import { DYNO_LABELS, parseDynoLabels } from './labels.js';

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
        // Never started (its creator died half-way) or on its way out: nothing to adopt.
        if (info.state === 'created') await ctx.runtime.removeContainer(info.id, { force: true });
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
  if (ctx.shutdown.aborted || ctx.apps.get(app.id) !== app) return;
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
    if (crashed) await discardDyno(ctx, app, crashed);
    await launchDyno(ctx, app, spec, s, { candidate: false, restarting: crashed !== undefined || app.crashes.has(`${s.type}.${s.index}`) });
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
  scheduleWake(ctx, app, plan.wakeAt);
}

/**
 * Containers of an app nobody has asked for. After a control-plane restart the apps are applied one by
 * one, so they are only removed once the app has stayed unknown for `unknownAppGraceMs`.
 */
async function reconcileUnknownApp(ctx: ManagerContext, app: AppState): Promise<void> {
  if (app.records.size === 0) return forgetIfIdle(ctx.apps, app);
  const now = ctx.clock.now();
  app.unknownSince ??= now;
  const removeAt = app.unknownSince + ctx.options.unknownAppGraceMs;
  if (now < removeAt) return scheduleWake(ctx, app, removeAt);
  ctx.logger.warn({ app: app.id, dynos: app.records.size }, 'removing the dynos of an unknown app');
  const recs = [...app.records.values()].sort((a, b) => b.index - a.index);
  await Promise.allSettled(recs.map((rec) => (isLive(rec.state) ? stopDyno(ctx, app, rec) : discardDyno(ctx, app, rec))));
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
    Math.max(0, at - ctx.clock.now()),
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
  };
}

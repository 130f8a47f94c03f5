import { PaasError, parseDynoName } from '@paas/core';
import { isRouted, type AppState, type DynoRecord } from './app-state.js';
import type { ManagerContext } from './context.js';
import { discardDyno, stopDyno } from './dyno-lifecycle.js';
import { isLive } from './dyno-state.js';
import { desiredDynos } from './formation.js';
import { messages } from './messages.js';
import { stopOneOff } from './one-off.js';
import { discardCandidates, prebootError, startCandidates, swapGenerations } from './preboot.js';
import { reconcileApp, syncRoutes } from './reconciler.js';
import type { RestartTarget } from './types.js';

/**
 * `ps:restart`: running dynos are replaced with preboot (new ones up and routed before the old ones stop),
 * crashed ones start again at once, and the crash backoff of every targeted name starts over. A one-off
 * dyno cannot be restarted: it is stopped. Runs on the app's queue.
 */
export async function restartDynos(ctx: ManagerContext, app: AppState, target: RestartTarget): Promise<void> {
  if ('dyno' in target) {
    const oneOff = [...app.oneOffs.values()].find((o) => o.name === target.dyno || o.id === target.dyno);
    if (oneOff) return stopOneOff(ctx, app, oneOff);
  }
  const spec = app.spec;
  if (!spec) throw new PaasError('no_release', 'The app has no running release; push code first.');
  const matches = (name: string, type: string) => 'all' in target || ('type' in target ? type === target.type : name === target.dyno);
  const byId = 'dyno' in target ? app.records.get(target.dyno) : undefined;
  const wanted = desiredDynos(spec).filter((d) => matches(`${d.type}.${d.index}`, d.type) || (byId !== undefined && byId.name === `${d.type}.${d.index}`));
  if (wanted.length === 0 && !('all' in target)) throw notFound(target);
  const names = new Set(wanted.map((d) => `${d.type}.${d.index}`));
  for (const name of names) app.crashes.delete(name);

  const current = [...app.records.values()].filter((r) => names.has(r.name) && !r.candidate && !r.stopping && r.releaseId === spec.release.id);
  const crashed = current.filter((r) => r.state === 'crashed');
  const live = current.filter((r) => isLive(r.state));
  await Promise.all(crashed.map((r) => discardDyno(ctx, app, r)));
  if (live.length > 0) {
    for (const rec of live) ctx.appLog(app, rec.name, messages.restarting);
    const candidates = await startCandidates(ctx, app, spec, live);
    if (!candidates.ok) {
      await discardCandidates(ctx, app, candidates);
      void ctx.requestPass(app);
      throw prebootError(ctx, candidates, { release: spec.release.version });
    }
    await swapGenerations(ctx, app, candidates.fresh, live);
  }
  // Whatever is missing now (the crashed ones, names waiting out a cool-off) starts at once.
  await reconcileApp(ctx, app);
}

/**
 * `ps:stop`: one dyno is unrouted, drained and stopped. A formation dyno is then started again by the
 * reconciler, without backoff (as on Heroku, where stopping a formation dyno amounts to restarting it).
 * Runs on the app's queue.
 */
export async function stopOne(ctx: ManagerContext, app: AppState, dyno: string): Promise<void> {
  const oneOff = [...app.oneOffs.values()].find((o) => o.name === dyno || o.id === dyno);
  if (oneOff) return stopOneOff(ctx, app, oneOff);
  const recs = [...app.records.values()].filter((r) => (r.name === dyno || r.id === dyno) && !r.stopping && !r.candidate);
  if (recs.length === 0) throw notFound({ dyno });
  app.crashes.delete(recs[0]!.name);
  const routed = recs.filter((r) => isRouted(app, r));
  for (const rec of recs) rec.stopping = true;
  if (routed.length > 0) {
    ctx.emitChange(app);
    await syncRoutes(ctx, app);
  }
  await Promise.all(recs.map((rec: DynoRecord) => (isLive(rec.state) ? stopDyno(ctx, app, rec) : discardDyno(ctx, app, rec))));
  await reconcileApp(ctx, app);
}

function notFound(target: { type: string } | { dyno: string }): PaasError {
  if ('type' in target) return new PaasError('dyno_not_found', `No ${target.type} dynos in the formation.`, { details: { type: target.type } });
  const hint = parseDynoName(target.dyno) ? '' : ' (name a dyno like web.1)';
  return new PaasError('dyno_not_found', `No dyno ${target.dyno}${hint}.`, { details: { dyno: target.dyno } });
}

import { PaasError, isPaasError } from '@paas/core';
import type { AppState, DynoRecord } from './app-state.js';
import { watchBoot, type BootOutcome } from './boot-watch.js';
import type { ManagerContext } from './context.js';
import { isLive } from './dyno-state.js';
import { discardDyno, launchDyno, setDynoState, stopDyno } from './dyno-lifecycle.js';
import { desiredDynos } from './formation.js';
import { messages } from './messages.js';
import { syncRoutes } from './reconciler.js';
import type { AppSpec } from './types.js';

/**
 * A zero-downtime release swap (preboot): start every new dyno next to the old ones, wait for the new web
 * dynos to accept on $PORT, route to them and away from the old ones in one step, let the routers drain,
 * then stop the old dynos. If a new web dyno does not come up, the new dynos go and nothing else changes.
 * Runs on the app's queue.
 */
export async function rollout(ctx: ManagerContext, app: AppState, spec: AppSpec): Promise<void> {
  const fresh: DynoRecord[] = [];
  const outcomes = new Map<DynoRecord, BootOutcome>();
  // A new web dyno that exits ends every other boot wait: the deploy has failed already. A timeout does
  // not, since the others started together and reach their own deadline at about the same moment (R10 each).
  const failFast = new AbortController();
  const launches = desiredDynos(spec).map(async (at) => {
    let rec: DynoRecord;
    try {
      rec = await launchDyno(ctx, app, spec, at, { candidate: true, restarting: false });
    } catch (err) {
      failFast.abort();
      throw err;
    }
    fresh.push(rec);
    if (rec.type !== 'web') return;
    const outcome = await watchBoot(ctx, rec, ctx.options.bootTimeoutMs, failFast.signal);
    outcomes.set(rec, outcome);
    if (outcome === 'up') setDynoState(ctx, app, rec, 'booted');
    else if (outcome === 'exited') failFast.abort();
  });
  const launched = await Promise.allSettled(launches);
  const launchError = launched.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (launchError || [...outcomes.values()].some((o) => o !== 'up')) {
    await rollBack(ctx, app, fresh, outcomes);
    throw deployError(ctx, spec, outcomes, launchError?.reason);
  }

  // The swap, in one synchronous step: no listener ever sees both generations routed, or neither.
  const old = [...app.records.values()].filter((r) => !fresh.includes(r));
  for (const rec of old) {
    rec.stopping = true;
    rec.done.abort();
  }
  for (const rec of fresh) rec.candidate = false;
  app.spec = spec;
  app.unknownSince = undefined;
  // A new release, or a restart of the same one, starts every dyno's crash backoff from zero.
  app.crashes.clear();
  ctx.emitChange(app);
  ctx.logger.info({ app: app.id, release: spec.release.version, started: fresh.length, retiring: old.length }, 'deploy routed to new dynos');

  await syncRoutes(ctx, app);
  old.sort((a, b) => b.index - a.index);
  const stopped = await Promise.allSettled(old.map((rec) => stopDyno(ctx, app, rec)));
  for (const r of stopped) {
    if (r.status === 'rejected') ctx.logger.error({ err: r.reason, app: app.id }, 'could not stop an old dyno; the next pass retries');
  }
  // New dynos that crashed during the deploy, and old ones that would not stop, are the reconciler's now.
  void ctx.requestPass(app);
}

/** Removes every new dyno. Those that timed out are R10 crashes; the rest just go. */
async function rollBack(ctx: ManagerContext, app: AppState, fresh: DynoRecord[], outcomes: Map<DynoRecord, BootOutcome>): Promise<void> {
  const results = await Promise.allSettled(
    fresh.map(async (rec) => {
      if (isLive(rec.state)) {
        const timedOut = outcomes.get(rec) === 'timeout';
        rec.stopping = true;
        if (timedOut) ctx.appLog(app, rec.name, messages.bootTimeout(ctx.options.bootTimeoutMs));
        ctx.appLog(app, rec.name, messages.sigkill);
        setDynoState(ctx, app, rec, timedOut ? 'exited' : 'stopped');
      }
      await discardDyno(ctx, app, rec);
    }),
  );
  for (const r of results) {
    if (r.status === 'rejected') ctx.logger.error({ err: r.reason, app: app.id }, 'could not remove a new dyno; the next pass retries');
  }
  void ctx.requestPass(app);
}

function deployError(ctx: ManagerContext, spec: AppSpec, outcomes: Map<DynoRecord, BootOutcome>, launchError: unknown): PaasError {
  const release = { release: spec.release.version };
  const exited = [...outcomes].find(([, o]) => o === 'exited')?.[0];
  if (exited) {
    const status = exited.exitCode === undefined ? '' : ` with status ${exited.exitCode}`;
    return new PaasError('dyno_boot_timeout', `${exited.name} exited${status} before accepting connections on $PORT`, {
      details: { ...release, dyno: exited.name, exit_status: exited.exitCode ?? null },
    });
  }
  const timedOut = [...outcomes].find(([, o]) => o === 'timeout')?.[0];
  if (timedOut) {
    const seconds = ctx.options.bootTimeoutMs / 1000;
    return new PaasError('dyno_boot_timeout', `${timedOut.name} failed to bind to $PORT within ${seconds} seconds of launch`, {
      details: { ...release, dyno: timedOut.name },
    });
  }
  if (launchError !== undefined) {
    // An unreachable engine is itself the news; anything else failed this release.
    if (isPaasError(launchError, 'runtime_unavailable')) return launchError;
    const reason = launchError instanceof Error ? `: ${launchError.message}` : '';
    return new PaasError('release_failed', `The new dynos could not be started${reason}`, { cause: launchError, details: release });
  }
  return new PaasError('release_failed', 'The deploy was interrupted (the dyno manager is closing)', { details: release });
}

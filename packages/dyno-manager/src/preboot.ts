import { PaasError, isPaasError } from '@paas/core';
import type { AppState, DynoRecord } from './app-state.js';
import { watchBoot, type BootOutcome } from './boot-watch.js';
import type { ManagerContext } from './context.js';
import { isLive } from './dyno-state.js';
import { discardDyno, launchDyno, setDynoState, stopDyno } from './dyno-lifecycle.js';
import { messages } from './messages.js';
import { syncRoutes } from './reconciler.js';
import type { AppSpec } from './types.js';

/**
 * Preboot, the way every replacement happens (deploys, restarts, daily cycling): a new generation of dynos
 * starts next to the old one, its web dynos must accept on $PORT, then the routes switch in one step, the
 * routers drain, and only then do the old dynos get SIGTERM.
 */
export interface Candidates {
  fresh: DynoRecord[];
  outcomes: Map<DynoRecord, BootOutcome>;
  /** Why a candidate could not even be created or started, when one could not. */
  launchError: unknown;
  /** Every candidate started and every web candidate accepts on $PORT. */
  ok: boolean;
}

/** Starts new dynos at `at` (candidates: not routed yet) and waits for the web ones to accept on $PORT. */
export async function startCandidates(
  ctx: ManagerContext,
  app: AppState,
  spec: AppSpec,
  at: readonly { type: string; index: number }[],
): Promise<Candidates> {
  const fresh: DynoRecord[] = [];
  const outcomes = new Map<DynoRecord, BootOutcome>();
  // A new web dyno that exits ends every other boot wait: the replacement has failed already. A timeout
  // does not, since the others started together and reach their own deadline at about the same moment.
  const failFast = new AbortController();
  const launches = at.map(async (where) => {
    let rec: DynoRecord;
    try {
      rec = await launchDyno(ctx, app, spec, where, { candidate: true, restarting: false });
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
  const failed = launched.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const ok = failed === undefined && [...outcomes.values()].every((o) => o === 'up');
  return { fresh, outcomes, launchError: failed?.reason, ok };
}

/** Removes every candidate after a failed start. Those that timed out are R10 crashes; the rest just go. */
export async function discardCandidates(ctx: ManagerContext, app: AppState, candidates: Candidates): Promise<void> {
  const results = await Promise.allSettled(
    candidates.fresh.map(async (rec) => {
      if (isLive(rec.state)) {
        const timedOut = candidates.outcomes.get(rec) === 'timeout';
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
}

/**
 * Routes to `fresh` and away from `old` in one synchronous step (no listener ever sees both generations
 * routed, or neither), lets the routers drain, then stops `old`, highest index first. `atSwap` runs
 * inside the step (a deploy makes its spec the desired one there).
 */
export async function swapGenerations(
  ctx: ManagerContext,
  app: AppState,
  fresh: readonly DynoRecord[],
  old: readonly DynoRecord[],
  atSwap?: () => void,
): Promise<void> {
  for (const rec of old) {
    rec.stopping = true;
    rec.done.abort();
  }
  for (const rec of fresh) rec.candidate = false;
  atSwap?.();
  ctx.emitChange(app);
  await syncRoutes(ctx, app);
  const stopped = await Promise.allSettled([...old].sort((a, b) => b.index - a.index).map((rec) => stopDyno(ctx, app, rec)));
  for (const r of stopped) {
    if (r.status === 'rejected') ctx.logger.error({ err: r.reason, app: app.id }, 'could not stop an old dyno; the next pass retries');
  }
}

/** Why a new generation did not come up, as the error a deploy or restart rejects with. */
export function prebootError(ctx: ManagerContext, candidates: Candidates, details: Record<string, unknown>): PaasError {
  const { outcomes, launchError } = candidates;
  const exited = [...outcomes].find(([, o]) => o === 'exited')?.[0];
  if (exited) {
    const status = exited.exitCode === undefined ? '' : ` with status ${exited.exitCode}`;
    return new PaasError('dyno_boot_timeout', `${exited.name} exited${status} before accepting connections on $PORT`, {
      details: { ...details, dyno: exited.name, exit_status: exited.exitCode ?? null },
    });
  }
  const timedOut = [...outcomes].find(([, o]) => o === 'timeout')?.[0];
  if (timedOut) {
    const seconds = ctx.options.bootTimeoutMs / 1000;
    return new PaasError('dyno_boot_timeout', `${timedOut.name} failed to bind to $PORT within ${seconds} seconds of launch`, {
      details: { ...details, dyno: timedOut.name },
    });
  }
  if (launchError !== undefined) {
    // An unreachable engine is itself the news; anything else failed this release.
    if (isPaasError(launchError, 'runtime_unavailable')) return launchError;
    const reason = launchError instanceof Error ? `: ${launchError.message}` : '';
    return new PaasError('release_failed', `The new dynos could not be started${reason}`, { cause: launchError, details });
  }
  return new PaasError('release_failed', 'The new dynos were interrupted (the dyno manager is closing)', { details });
}

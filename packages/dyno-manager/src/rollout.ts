import type { AppState } from './app-state.js';
import type { ManagerContext } from './context.js';
import { desiredDynos } from './formation.js';
import { discardCandidates, prebootError, startCandidates, swapGenerations } from './preboot.js';
import type { AppSpec } from './types.js';

/**
 * A zero-downtime release swap (preboot): start every new dyno next to the old ones, wait for the new web
 * dynos to accept on $PORT, route to them and away from the old ones in one step, let the routers drain,
 * then stop the old dynos. If a new web dyno does not come up, the new dynos go and nothing else changes.
 * Runs on the app's queue.
 */
export async function rollout(ctx: ManagerContext, app: AppState, spec: AppSpec): Promise<void> {
  const candidates = await startCandidates(ctx, app, spec, desiredDynos(spec));
  if (!candidates.ok) {
    await discardCandidates(ctx, app, candidates);
    void ctx.requestPass(app);
    throw prebootError(ctx, candidates, { release: spec.release.version });
  }
  const old = [...app.records.values()].filter((r) => !candidates.fresh.includes(r));
  await swapGenerations(ctx, app, candidates.fresh, old, () => {
    app.spec = spec;
    app.unknownSince = undefined;
    // A new release, or a restart of the same one, starts every dyno's crash backoff from zero.
    app.crashes.clear();
    ctx.logger.info({ app: app.id, release: spec.release.version, started: candidates.fresh.length, retiring: old.length }, 'deploy routed to new dynos');
  });
  // New dynos that crashed during the deploy, and old ones that would not stop, are the reconciler's now.
  void ctx.requestPass(app);
}

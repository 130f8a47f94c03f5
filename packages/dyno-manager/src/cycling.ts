import type { AppState, DynoRecord } from './app-state.js';
import type { ManagerContext } from './context.js';
import { messages } from './messages.js';
import { discardCandidates, startCandidates, swapGenerations } from './preboot.js';
import type { AppSpec } from './types.js';

/** After a replacement that did not come up, the old dyno keeps serving and the replacement is tried again this much later. */
export const CYCLE_RETRY_MS = 5 * 60_000;

/**
 * Replaces `old` with new dynos of `spec`, with preboot: the replacements start, web ones must accept on
 * $PORT, the routes switch and drain, and only then do the old ones stop, so it costs no request. When the
 * replacements do not come up they are removed, the old dynos keep running, and they are not tried again
 * for `CYCLE_RETRY_MS`. Runs on the app's queue.
 */
export async function replaceWithPreboot(ctx: ManagerContext, app: AppState, spec: AppSpec, old: readonly DynoRecord[], message: string): Promise<boolean> {
  if (old.length === 0) return true;
  for (const rec of old) {
    ctx.appLog(app, rec.name, message);
    ctx.logger.info({ app: app.id, dyno: rec.name, container: rec.id, why: message }, 'replacing dyno');
  }
  const candidates = await startCandidates(ctx, app, spec, old);
  if (!candidates.ok) {
    await discardCandidates(ctx, app, candidates);
    const retryAt = ctx.clock.now() + CYCLE_RETRY_MS;
    for (const rec of old) rec.replaceAfter = retryAt;
    ctx.logger.warn({ app: app.id, dynos: old.map((r) => r.name), err: candidates.launchError }, 'replacement did not come up; the old dynos keep running');
    return false;
  }
  await swapGenerations(ctx, app, candidates.fresh, old);
  return true;
}

/**
 * Daily cycling of the dynos that are due. One web dyno per call (the capacity of the others carries the
 * traffic while it happens); other types are all replaced together. Returns true when more web dynos are
 * due, for the caller to come back at once.
 */
export async function cycleDue(ctx: ManagerContext, app: AppState, spec: AppSpec, due: readonly DynoRecord[]): Promise<boolean> {
  const web = due.filter((r) => r.type === 'web').sort((a, b) => (a.cycleAt ?? 0) - (b.cycleAt ?? 0));
  await replaceWithPreboot(ctx, app, spec, [...web.slice(0, 1), ...due.filter((r) => r.type !== 'web')], messages.cycling);
  return web.length > 1;
}

/**
 * Dynos whose size the formation changed: replaced with preboot at the new size, web ones one after the
 * other so capacity never drops by more than one dyno. All in one call: a scale waits for it.
 */
export async function resizeDynos(ctx: ManagerContext, app: AppState, spec: AppSpec, resized: readonly DynoRecord[]): Promise<void> {
  await replaceWithPreboot(ctx, app, spec, resized.filter((r) => r.type !== 'web'), messages.restarting);
  for (const rec of resized.filter((r) => r.type === 'web').sort((a, b) => a.index - b.index)) {
    if (!(await replaceWithPreboot(ctx, app, spec, [rec], messages.restarting))) return;
  }
}

import type { ManagerContext } from './context.js';

/** Exits this long before the engine's event stream ended count as the engine stopping its containers. */
export const ENGINE_STOP_WINDOW_MS = 60_000;
/** For this long after reconnecting, the exits a pass finds are the engine restart's too. */
export const ENGINE_SETTLE_MS = 15_000;
/**
 * A dyno someone else sent SIGTERM waits this long before its restart: long enough for a stopping engine
 * to stop them all and close its connection (dockerd's own shutdown timeout is 15 s).
 */
export const ENGINE_STOP_HOLD_MS = 15_000;

/**
 * After the engine came back from a restart (which stops every dyno with it, as live-restore is off): the
 * exits it caused are not the apps' crashes. Crash counts from shortly before the connection was lost are
 * dropped, crashed dynos restart at once, and exits found while things settle start a fresh count. Without
 * this, a dyno that had crashed a few times that day would wait out a long cool-off after a dockerd restart.
 */
export function pardonEngineRestart(ctx: ManagerContext, lostAt: number): void {
  const now = ctx.clock.now();
  ctx.engine.lost = false;
  ctx.engine.pardonUntil = now + ENGINE_SETTLE_MS;
  for (const app of ctx.apps.values()) {
    for (const [name, crash] of app.crashes) if (crash.at >= lostAt - ENGINE_STOP_WINDOW_MS) app.crashes.delete(name);
    for (const rec of app.records.values()) if (rec.state === 'crashed' && !app.crashes.has(rec.name)) rec.restartAt = now;
  }
  ctx.logger.info({ lostAt: new Date(lostAt).toISOString() }, 'engine restarted: its dyno exits do not count as crashes');
}

/** An exit now is one the engine restart caused (see `pardonEngineRestart`). */
export function inEngineSettle(ctx: ManagerContext): boolean {
  return ctx.clock.now() <= ctx.engine.pardonUntil;
}

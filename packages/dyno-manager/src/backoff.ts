import type { CrashBackoffOptions } from './types.js';

/**
 * Defaults: the first crash restarts at once, then 5 s, 10 s, 20 s, … doubling up to 20 minutes (Heroku's
 * first cool-off; Heroku goes further, up to 320 minutes, which leaves a broken app down for hours). Ten
 * minutes up counts as a clean start, as with Kubernetes' CrashLoopBackOff.
 */
export const DEFAULT_CRASH_BACKOFF: Readonly<CrashBackoffOptions> = Object.freeze({
  initialMs: 5_000,
  maxMs: 20 * 60_000,
  resetAfterMs: 10 * 60_000,
});

/** How long after its `crashCount`-th consecutive crash (1-based) a dyno is restarted. */
export function crashRestartDelay(crashCount: number, policy: CrashBackoffOptions): number {
  if (crashCount <= 1) return 0;
  return Math.min(policy.initialMs * 2 ** (crashCount - 2), policy.maxMs);
}

/** The crash history of one dyno name (`web.1`) across its successive containers. */
export interface CrashRecord {
  releaseId: string;
  count: number;
  /** When the last crash happened. */
  at: number;
  restartAt: number;
}

/**
 * The crash record after a dyno crashed. The count starts again on a new release and when the crashed
 * dyno had been up for `resetAfterMs`.
 */
export function recordCrash(
  previous: CrashRecord | undefined,
  crash: { releaseId: string; now: number; upForMs: number },
  policy: CrashBackoffOptions,
): CrashRecord {
  const continues = previous !== undefined && previous.releaseId === crash.releaseId && crash.upForMs < policy.resetAfterMs;
  const count = continues ? previous.count + 1 : 1;
  return { releaseId: crash.releaseId, count, at: crash.now, restartAt: crash.now + crashRestartDelay(count, policy) };
}

/** Delay before reconnecting to the engine's event stream after `attempt` consecutive failures. */
export function reconnectDelay(attempt: number): number {
  return Math.min(200 * 2 ** attempt, 5_000);
}

import type { Random } from '@paas/core';

/**
 * When a dyno started at `startedAt` is due for daily cycling: after `maxAgeMs` plus a random share of
 * `cycleJitterMs`, drawn per dyno so that an app's dynos (started together by a deploy) leave at different
 * times. Undefined with cycling off.
 */
export function cycleDeadline(startedAt: number, options: { maxAgeMs: number; cycleJitterMs: number }, random: Random): number | undefined {
  if (options.maxAgeMs <= 0) return undefined;
  return startedAt + options.maxAgeMs + Math.floor(random() * Math.max(0, options.cycleJitterMs));
}

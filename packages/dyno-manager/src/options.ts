import { DEFAULT_DYNO_SIZES, PaasError, isProcessType } from '@paas/core';
import { DEFAULT_CRASH_BACKOFF } from './backoff.js';
import { findDynoSize } from './container-spec.js';
import type { ResolvedOptions } from './context.js';
import type { AppSpec, DynoManagerOptions } from './types.js';

/** Most dynos of one process type; a typo in a scale command should not start a thousand containers. */
export const MAX_DYNOS_PER_TYPE = 100;

/**
 * Defaults matching Heroku where it publishes a number: 60 s to bind $PORT (R10), 30 s between SIGTERM
 * and SIGKILL (R12). Port 5000 is what Heroku's local tools give `$PORT`.
 */
export const DEFAULT_DYNO_MANAGER_OPTIONS: Readonly<Required<DynoManagerOptions>> = Object.freeze({
  network: 'paas-dynos',
  platform: 'default',
  port: 5000,
  bootTimeoutMs: 60_000,
  stopTimeoutMs: 30_000,
  reconcileIntervalMs: 30_000,
  sizes: DEFAULT_DYNO_SIZES,
  crashBackoff: DEFAULT_CRASH_BACKOFF,
  unknownAppGraceMs: 120_000,
  maxAgeMs: 24 * 60 * 60_000,
  cycleJitterMs: 216 * 60_000,
});

export function resolveOptions(options: DynoManagerOptions): ResolvedOptions {
  return {
    ...options,
    platform: options.platform ?? DEFAULT_DYNO_MANAGER_OPTIONS.platform,
    crashBackoff: options.crashBackoff ?? DEFAULT_CRASH_BACKOFF,
    unknownAppGraceMs: options.unknownAppGraceMs ?? DEFAULT_DYNO_MANAGER_OPTIONS.unknownAppGraceMs,
    maxAgeMs: options.maxAgeMs ?? DEFAULT_DYNO_MANAGER_OPTIONS.maxAgeMs,
    cycleJitterMs: options.cycleJitterMs ?? DEFAULT_DYNO_MANAGER_OPTIONS.cycleJitterMs,
  };
}

/** Rejects a spec the manager could not run, before any container is touched. */
export function validateSpec(spec: AppSpec, options: ResolvedOptions): void {
  const fail = (message: string) => new PaasError('invalid_params', message, { details: { app: spec.app.name } });
  if (!spec.release.image) throw fail('The release has no image');
  for (const [type, f] of Object.entries(spec.formation)) {
    if (!isProcessType(type)) throw fail(`Invalid process type ${JSON.stringify(type)}`);
    if (!Number.isInteger(f.quantity) || f.quantity < 0 || f.quantity > MAX_DYNOS_PER_TYPE) {
      throw fail(`Quantity of ${type} must be an integer from 0 to ${MAX_DYNOS_PER_TYPE}`);
    }
    if (f.quantity === 0) continue;
    if (!spec.processTypes[type]) throw fail(`Process type ${type} has no command in the release`);
    if (!findDynoSize(options.sizes, f.size)) {
      throw fail(`Unknown dyno size ${JSON.stringify(f.size)}; sizes are ${options.sizes.map((s) => s.name).join(', ')}`);
    }
  }
}

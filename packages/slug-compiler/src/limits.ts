import type { BuildLimits } from './types.js';

const MiB = 1024 * 1024;

/**
 * Limits for a small single host: one build at a time on one CPU, so running apps keep the rest of the
 * machine. Heroku's own values where it publishes them (15 minute compile, 500 MB slug).
 */
export const DEFAULT_BUILD_LIMITS: Readonly<Required<BuildLimits>> = Object.freeze({
  maxExtractedBytes: 1024 * MiB,
  maxFiles: 100_000,
  maxSlugBytes: 500 * MiB,
  timeoutMs: 15 * 60_000,
  memoryBytes: 2048 * MiB,
  nanoCpus: 1_000_000_000,
  concurrency: 1,
  pidsLimit: 1024,
});

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { int, optionalStr, str, type Env } from './env.js';

const MB = 1024 * 1024;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Everything paasd is configured with, read once from the environment at start. */
export interface PaasdConfig {
  dataDir: string;
  apiHost: string;
  apiPort: number;
  domain: string;
  /** Port the router serves apps on; only used to print apps' URLs. */
  routerPort: number;
  /** Admin token from PAAS_API_TOKEN, else read from (or generated into) `<dataDir>/admin-token`. */
  apiToken: string | undefined;
  adminEmail: string;
  logLevel: string;
  stackDir: string;
  buildpacksDir: string;
  dynoNetwork: string;
  /** Name of this platform instance; it only manages dynos labelled with it (several may share an engine). */
  platformId: string;
  buildNetwork: string;
  npmRegistry: string | undefined;
  caBundle: string | undefined;
  maxSourceBytes: number;
  maxExtractedBytes: number;
  maxSourceFiles: number;
  maxSlugBytes: number;
  buildTimeoutMs: number;
  buildMemoryBytes: number;
  buildNanoCpus: number;
  buildConcurrency: number;
  maxBuildLogBytes: number;
  /** All config vars of an app together, keys and values (Heroku: 32 KB). */
  maxConfigBytes: number;
  /** Releases per app whose slugs are kept for rollbacks; older slugs are removed. */
  keepReleases: number;
  /** Login attempts per email per window (four times as many per client address). */
  loginAttempts: number;
  loginWindowMs: number;
  /** Period of the full garbage collection (containers, images, caches, uploads). */
  gcIntervalMs: number;
  /** Longest run of a release phase command (Heroku: 1 hour). */
  releaseTimeoutMs: number;
  bootTimeoutMs: number;
  stopTimeoutMs: number;
  reconcileIntervalMs: number;
  /** Daily cycling: a dyno is replaced after this long plus a random part of the jitter; 0 turns it off. */
  dynoMaxAgeMs: number;
  dynoCycleJitterMs: number;
  /** Crash restarts: the second crash waits the initial cool-off, doubling up to the maximum. */
  crashBackoffInitialMs: number;
  crashBackoffMaxMs: number;
  /** A dyno up this long before crashing starts its backoff over. */
  crashBackoffResetMs: number;
  routeSyncTimeoutMs: number;
  /** Lines kept per app (Heroku: 1500). */
  logLines: number;
  /** Lines per second an app's dynos (and, apart, its router lines) may add; more are dropped (L10). */
  logRatePerSecond: number;
  /** Log drains per app (Heroku: 5). */
  maxDrainsPerApp: number;
  /** PEM file of extra CAs that drains over TLS trust (e.g. a private CA, or a test's self-signed cert). */
  drainCaFile: string | undefined;
}

export function readConfig(env: Env): Readonly<PaasdConfig> {
  const caDefault = '/etc/ssl/certs/ca-certificates.crt';
  return Object.freeze({
    dataDir: resolve(str(env, 'PAAS_DATA_DIR', '/var/lib/paas')),
    apiHost: str(env, 'PAAS_API_HOST', '127.0.0.1'),
    apiPort: int(env, 'PAAS_API_PORT', 8070, { min: 0, max: 65535 }),
    domain: str(env, 'PAAS_DOMAIN', 'localhost').toLowerCase(),
    routerPort: int(env, 'PAAS_ROUTER_PORT', 80, { min: 0, max: 65535 }),
    apiToken: optionalStr(env, 'PAAS_API_TOKEN'),
    adminEmail: str(env, 'PAAS_ADMIN_EMAIL', 'admin@localhost'),
    logLevel: str(env, 'PAAS_LOG_LEVEL', 'info'),
    stackDir: resolve(str(env, 'PAAS_STACK_DIR', join(repoRoot, 'stack'))),
    buildpacksDir: resolve(str(env, 'PAAS_BUILDPACKS_DIR', join(repoRoot, 'packages/slug-compiler/buildpacks'))),
    dynoNetwork: str(env, 'PAAS_DYNO_NETWORK', 'paas-dynos'),
    platformId: str(env, 'PAAS_PLATFORM_ID', 'default'),
    buildNetwork: str(env, 'PAAS_BUILD_NETWORK', 'bridge'),
    npmRegistry: optionalStr(env, 'PAAS_NPM_REGISTRY') ?? optionalStr(env, 'npm_config_registry') ?? optionalStr(env, 'NPM_CONFIG_REGISTRY'),
    caBundle: optionalStr(env, 'PAAS_CA_BUNDLE') ?? (existsSync(caDefault) ? caDefault : undefined),
    maxSourceBytes: int(env, 'PAAS_MAX_SOURCE_MB', 200, { min: 1, max: 10_240 }) * MB,
    maxExtractedBytes: int(env, 'PAAS_MAX_EXTRACTED_MB', 1024, { min: 1, max: 102_400 }) * MB,
    maxSourceFiles: int(env, 'PAAS_MAX_SOURCE_FILES', 100_000, { min: 1, max: 10_000_000 }),
    maxSlugBytes: int(env, 'PAAS_MAX_SLUG_MB', 500, { min: 1, max: 102_400 }) * MB,
    buildTimeoutMs: int(env, 'PAAS_BUILD_TIMEOUT_MS', 15 * 60_000, { min: 1000, max: 24 * 3600_000 }),
    buildMemoryBytes: int(env, 'PAAS_BUILD_MEMORY_MB', 2048, { min: 64, max: 1_048_576 }) * MB,
    buildNanoCpus: int(env, 'PAAS_BUILD_MILLICPUS', 1000, { min: 100, max: 256_000 }) * 1_000_000,
    buildConcurrency: int(env, 'PAAS_BUILD_CONCURRENCY', 1, { min: 1, max: 64 }),
    maxBuildLogBytes: int(env, 'PAAS_MAX_BUILD_LOG_MB', 16, { min: 1, max: 1024 }) * MB,
    maxConfigBytes: int(env, 'PAAS_MAX_CONFIG_BYTES', 32 * 1024, { min: 1, max: 16 * MB }),
    keepReleases: int(env, 'PAAS_RELEASE_RETENTION', 5, { min: 1, max: 10_000 }),
    loginAttempts: int(env, 'PAAS_LOGIN_ATTEMPTS', 10, { min: 1, max: 10_000 }),
    loginWindowMs: int(env, 'PAAS_LOGIN_WINDOW_MS', 5 * 60_000, { min: 1000, max: 86_400_000 }),
    gcIntervalMs: int(env, 'PAAS_GC_INTERVAL_MS', 3600_000, { min: 10_000, max: 7 * 86_400_000 }),
    releaseTimeoutMs: int(env, 'PAAS_RELEASE_TIMEOUT_MS', 3600_000, { min: 1000, max: 24 * 3600_000 }),
    bootTimeoutMs: int(env, 'PAAS_BOOT_TIMEOUT_MS', 60_000, { min: 100, max: 3600_000 }),
    stopTimeoutMs: int(env, 'PAAS_STOP_TIMEOUT_MS', 30_000, { min: 0, max: 3600_000 }),
    reconcileIntervalMs: int(env, 'PAAS_RECONCILE_INTERVAL_MS', 10_000, { min: 100, max: 3600_000 }),
    // At most a week: longer timers do not fit Node's 32-bit timeouts.
    dynoMaxAgeMs: int(env, 'PAAS_DYNO_MAX_AGE_MS', 24 * 3600_000, { min: 0, max: 7 * 24 * 3600_000 }),
    dynoCycleJitterMs: int(env, 'PAAS_DYNO_CYCLE_JITTER_MS', 216 * 60_000, { min: 0, max: 7 * 24 * 3600_000 }),
    crashBackoffInitialMs: int(env, 'PAAS_DYNO_BACKOFF_INITIAL_MS', 5_000, { min: 0, max: 24 * 3600_000 }),
    crashBackoffMaxMs: int(env, 'PAAS_DYNO_BACKOFF_MAX_MS', 20 * 60_000, { min: 0, max: 24 * 3600_000 }),
    crashBackoffResetMs: int(env, 'PAAS_DYNO_BACKOFF_RESET_MS', 10 * 60_000, { min: 0, max: 24 * 3600_000 }),
    routeSyncTimeoutMs: int(env, 'PAAS_ROUTE_SYNC_TIMEOUT_MS', 15_000, { min: 0, max: 600_000 }),
    logLines: int(env, 'PAAS_LOG_LINES', 1500, { min: 1, max: 100_000 }),
    logRatePerSecond: int(env, 'PAAS_LOG_RATE', 1000, { min: 1, max: 1_000_000 }),
    maxDrainsPerApp: int(env, 'PAAS_MAX_DRAINS', 5, { min: 0, max: 100 }),
    drainCaFile: optionalStr(env, 'PAAS_DRAIN_CA_FILE'),
  });
}

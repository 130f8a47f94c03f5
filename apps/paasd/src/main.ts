#!/usr/bin/env node
import { execFile } from 'node:child_process';
import { chmodSync, closeSync, cpSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { systemClock, type Logger } from '@paas/core';
import { createControlPlane, type PlatformCounters } from '@paas/api';
import { DEFAULT_DYNO_MANAGER_OPTIONS, createDynoManager, createTcpProbe } from '@paas/dyno-manager';
import { createDockerRuntime } from '@paas/runtime';
import { createSlugCompiler } from '@paas/slug-compiler';
import { createLogService, createOutputCollector } from '@paas/logs';
import { createStore } from '@paas/store';
import { resolveAdminToken } from './admin-token.js';
import { rotateSecretKey, secretBox } from './secret-keys.js';
import { backup, restore } from './backup.js';
import { createAppArtifacts, removeInterruptedBuilds } from './artifacts.js';
import { readConfig, type PaasdConfig } from './config.js';
import { ConfigError } from './env.js';
import { ensureStackImage } from './stack.js';

const VERSION = '0.1.0';

/** The tag `paasd stack:ensure` also gives the stack image of this checkout. */
const CURRENT_STACK_TAG = 'paas/stack:current';

async function main(argv: string[]): Promise<void> {
  const config = readConfig(process.env);
  const logger = pino({ level: config.logLevel, base: { service: 'paasd' } }) as unknown as Logger;
  const command = argv[0] ?? 'serve';
  switch (command) {
    case 'serve':
      return serve(config, logger);
    case 'stack:ensure': {
      const runtime = createDockerRuntime();
      const tag = await ensureStackImage({ runtime, recipeDir: config.stackDir, logger, onOutput: (text) => process.stderr.write(text) });
      // A stable name for what this checkout builds on: docker-compose's default `FROM`.
      await runtime.tagImage(tag, CURRENT_STACK_TAG);
      process.stdout.write(`${tag}\n`);
      return;
    }
    case 'secrets:rotate': {
      // Offline: paasd must be stopped, or it would keep using the old key.
      const { resealed } = rotateSecretKey(config.dataDir, (box) => createStore({ path: join(config.dataDir, 'paas.db'), secrets: box }));
      process.stdout.write(`Rotated the secrets key; resealed ${resealed} values.\n`);
      return;
    }
    case 'backup':
    case 'restore': {
      const file = argv[1];
      if (!file) {
        process.stderr.write(`Usage: paasd ${command} FILE\n`);
        process.exit(2);
      }
      if (command === 'backup') {
        const { slugs } = await backup(config.dataDir, resolve(file));
        process.stdout.write(`Backed up ${config.dataDir} (database and ${slugs} slugs) to ${resolve(file)}\n`);
      } else {
        const { apps, slugs } = await restore(config.dataDir, resolve(file));
        process.stdout.write(`Restored ${apps} apps and ${slugs} slugs into ${config.dataDir}; start paasd to bring them up.\n`);
      }
      return;
    }
    default:
      process.stderr.write(`Unknown command ${command}. Usage: paasd [serve | stack:ensure | backup FILE | restore FILE | secrets:rotate]\n`);
      process.exit(2);
  }
}

async function serve(config: Readonly<PaasdConfig>, logger: Logger): Promise<void> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const admin = resolveAdminToken(config.dataDir, config.apiToken);
  const runtime = createDockerRuntime();
  await runtime.ping();
  const stackImage = await ensureStackImage({ runtime, recipeDir: config.stackDir, logger, onOutput: (t) => process.stderr.write(t) });
  await runtime.ensureNetwork(config.dynoNetwork, { interContainer: false, labels: { 'paas.managed': '1' } });

  // Created private first: SQLite gives its -wal and -shm files the database file's permissions.
  const dbPath = join(config.dataDir, 'paas.db');
  closeSync(openSync(dbPath, 'a', 0o600));
  chmodSync(dbPath, 0o600);
  const store = createStore({ path: dbPath, secrets: secretBox(config.dataDir) });
  // Values written before encryption at rest (or under a key since rotated) are sealed now.
  const resealed = store.resealSecrets();
  store.relocateSlugs(join(config.dataDir, 'slugs'));
  if (resealed > 0) logger.info({ resealed }, 'sealed secrets with the current key');
  const buildpacksDir = stageBuildpacks(config);
  const npmRegistry = config.npmRegistry ?? (await hostNpmRegistry());
  /** Labels every container of this platform instance carries (engines may be shared). */
  const platformLabels = { 'paas.platform': config.platformId };
  const compiler = createSlugCompiler({
    runtime,
    logger: logger.child({ component: 'slug-compiler' }),
    options: {
      dataDir: config.dataDir,
      stackImage,
      buildpacksDir,
      network: config.buildNetwork,
      ...(npmRegistry ? { npmRegistry } : {}),
      ...(config.caBundle ? { caBundlePath: config.caBundle } : {}),
      labels: platformLabels,
      limits: {
        maxExtractedBytes: config.maxExtractedBytes,
        maxFiles: config.maxSourceFiles,
        maxSlugBytes: config.maxSlugBytes,
        timeoutMs: config.buildTimeoutMs,
        memoryBytes: config.buildMemoryBytes,
        nanoCpus: config.buildNanoCpus,
        concurrency: config.buildConcurrency,
      },
    },
  });

  // The dyno manager and the route publisher need each other: the manager waits for routers to drain
  // through the publisher, which reads the manager's backends. The late binding breaks the cycle.
  let syncRoutes: () => Promise<void> = async () => {};
  const logs = createLogService({
    clock: systemClock,
    logger: logger.child({ component: 'logs' }),
    dir: join(config.dataDir, 'logs'),
    bufferLines: config.logLines,
    rate: { linesPerSecond: config.logRatePerSecond, burst: 2 * config.logRatePerSecond },
    maxDrainsPerApp: config.maxDrainsPerApp,
    trust: config.drainCaFile ? { ca: readDrainCa(config.drainCaFile) } : {},
  });
  const counters: PlatformCounters = { dynoCrashes: 0 };
  const dynos = createDynoManager({
    runtime,
    clock: systemClock,
    random: Math.random,
    probe: createTcpProbe(),
    routes: { sync: () => syncRoutes() },
    logger: logger.child({ component: 'dyno-manager' }),
    events: (event) => {
      if (/^State changed from \w+ to crashed$/.test(event.message)) counters.dynoCrashes++;
      logs.write(event.appId, { source: 'paas', dyno: event.dyno, message: event.message });
    },
    options: {
      ...DEFAULT_DYNO_MANAGER_OPTIONS,
      network: config.dynoNetwork,
      platform: config.platformId,
      bootTimeoutMs: config.bootTimeoutMs,
      stopTimeoutMs: config.stopTimeoutMs,
      reconcileIntervalMs: config.reconcileIntervalMs,
      maxAgeMs: config.dynoMaxAgeMs,
      cycleJitterMs: config.dynoCycleJitterMs,
      crashBackoff: { initialMs: config.crashBackoffInitialMs, maxMs: config.crashBackoffMaxMs, resetAfterMs: config.crashBackoffResetMs },
    },
  });
  const portSuffix = config.routerPort === 80 ? '' : `:${config.routerPort}`;
  const plane = createControlPlane({
    store,
    counters,
    compiler,
    dynos,
    artifacts: createAppArtifacts({
      store,
      runtime,
      dataDir: config.dataDir,
      platformLabels,
      clock: systemClock,
      logger,
      staleAfterMs: 3600_000,
    }),
    logs,
    logger,
    clock: systemClock,
    options: {
      domain: config.domain,
      version: VERSION,
      sourcesDir: join(config.dataDir, 'sources'),
      maxSourceBytes: config.maxSourceBytes,
      maxJsonBodyBytes: 1024 * 1024,
      maxRouterWaitSeconds: 55,
      routes: { syncTimeoutMs: config.routeSyncTimeoutMs, routerStaleMs: 60_000 },
      outputsDir: join(config.dataDir, 'outputs'),
      maxOutputBytes: config.maxBuildLogBytes,
      releaseTimeoutMs: config.releaseTimeoutMs,
      keepReleases: config.keepReleases,
      loginAttempts: config.loginAttempts,
      loginWindowMs: config.loginWindowMs,
      maxConfigBytes: config.maxConfigBytes,
      adminToken: admin.token,
      adminEmail: config.adminEmail,
      webUrl: (app) => `http://${app}.${config.domain}${portSuffix}/`,
      stack: stackImage,
    },
  });
  syncRoutes = () => plane.routes.sync();

  const collector = createOutputCollector({
    runtime,
    platform: config.platformId,
    clock: systemClock,
    logger: logger.child({ component: 'log-collector' }),
    write: (appId, entry) => logs.write(appId, entry),
    lastTime: (appId, dyno) => logs.lastTime(appId, 'app', dyno),
  });
  await collector.start();
  await dynos.start();
  await removeInterruptedBuilds(runtime, platformLabels, logger);
  await plane.restore();
  // Lines of apps destroyed while their last output was still arriving.
  logs.prune(new Set(store.listApps().map((a) => a.id)));
  const address = await plane.api.listen({ host: config.apiHost, port: config.apiPort });
  logger.info({ address, domain: config.domain, dataDir: config.dataDir }, 'paasd ready');
  process.stdout.write(
    [
      `paasd ${VERSION} listening on ${address}`,
      `  apps are served at http://<app>.${config.domain}${portSuffix}/`,
      `  admin token: ${admin.file ?? 'from PAAS_API_TOKEN'}`,
      '',
    ].join('\n'),
  );

  // Disk hygiene: retention runs after every release; the full sweep runs periodically.
  const gcTimer = setInterval(() => {
    plane.gc.collect(false).catch((err: unknown) => logger.warn({ err }, 'garbage collection failed'));
  }, config.gcIntervalMs);
  gcTimer.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'paasd stopping; dynos keep running');
    await plane.close().catch(() => {});
    await collector.close().catch(() => {});
    await logs.close().catch(() => {});
    await dynos.close().catch(() => {});
    store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/**
 * Copies the buildpacks into the data directory. Build containers mount them from there, a path that
 * is the same inside the control plane's container and on the host (Docker resolves mounts on the host).
 */
function stageBuildpacks(config: Readonly<PaasdConfig>): string {
  const target = join(config.dataDir, 'buildpacks');
  rmSync(target, { recursive: true, force: true });
  cpSync(config.buildpacksDir, target, { recursive: true, preserveTimestamps: true });
  return target;
}

function readDrainCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`PAAS_DRAIN_CA_FILE: cannot read ${file} (${(err as Error).message})`);
  }
}

/** The registry the host's npm uses, so builds install from the same place. */
async function hostNpmRegistry(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('npm', ['config', 'get', 'registry'], { timeout: 10_000 });
    const url = stdout.trim();
    return /^https?:\/\//.test(url) ? url : undefined;
  } catch {
    return undefined;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`paasd: ${err.message}\n`);
    process.exit(2);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`paasd: ${message}\n`);
  process.exit(1);
});

#!/usr/bin/env node
/**
 * The router process: reads its environment once, serves the last saved route table at once, keeps the
 * table current from the control plane and ships access lines and metrics to it. With
 * `PAAS_ROUTER_WORKERS` above 1 it is the primary of a cluster of such processes sharing the ports.
 * `pnpm router` runs it.
 */
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { pino } from 'pino';
import { createClient } from '@paas/client';
import { systemClock, type AppRequestMetrics, type Logger } from '@paas/core';
import { createRouter, type AccessLogSink, type Router } from '@paas/router';
import { startAdminServer } from './admin-server.js';
import { loadRouterConfig, type RouterConfig } from './config.js';
import { createReporter, type Reporter } from './reporter.js';
import { createRouteWatcher } from './route-watcher.js';
import { createFileTableStore } from './table-store.js';
import { WorkerMetrics } from './worker-metrics.js';

const VERSION = '0.1.0';

/** What a worker tells the primary, for `/metrics` and `/healthz`. */
interface WorkerMessage {
  type: 'paas-router-status';
  metrics: AppRequestMetrics[];
  tableVersion: number;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function main(): Promise<void> {
  let config: RouterConfig;
  try {
    config = loadRouterConfig(process.env, readText, availableParallelism());
  } catch (err) {
    process.stderr.write(`paas-router: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const logger: Logger = pino({ name: 'paas-router', level: config.logLevel });
  if (config.workers > 1 && cluster.isPrimary) await runPrimary(config, logger);
  else await runRouter(config, cluster.isWorker ? logger.child({ worker: cluster.worker?.id }) : logger);
}

async function runRouter(config: RouterConfig, logger: Logger): Promise<void> {
  const client = createClient({ apiUrl: config.apiUrl, token: config.apiToken, userAgent: `paas-router/${VERSION}` });
  const routerId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  let router: Router | undefined;
  const reporter: Reporter = createReporter({
    target: client,
    routerId,
    metrics: () => router?.metrics() ?? [],
    clock: systemClock,
    logger,
    intervalMs: config.reportIntervalMs,
    maxPendingLines: config.reportMaxLines,
  });
  let accessLog: AccessLogSink = reporter.accessLog;
  if (config.accessLogStdout) {
    const log = logger.child({ source: 'heroku', dyno: 'router' });
    accessLog = (app, line) => {
      reporter.accessLog(app, line);
      log.info({ app }, line);
    };
  }
  const r = createRouter({ options: config.options, logger, accessLog });
  router = r;
  const store = createFileTableStore(config.tablePath);
  try {
    const saved = await store.load();
    if (saved !== undefined) {
      await r.applyTable(saved);
      logger.info({ version: saved.version, path: config.tablePath }, 'serving the saved route table');
    }
  } catch (err) {
    logger.warn({ err: (err as Error).message, path: config.tablePath }, 'could not load the saved route table; starting empty');
  }
  try {
    const port = await r.listen(config.port, config.host);
    logger.info({ port, host: config.host, api: config.apiUrl }, `router listening on port ${port}`);
    if (config.tlsPort !== undefined) {
      const tlsPort = await r.listenTls(config.tlsPort, config.host);
      logger.info({ port: tlsPort, host: config.host }, `router listening for HTTPS on port ${tlsPort}`);
    }
  } catch (err) {
    logger.error({ err: (err as Error).message, port: config.port, tlsPort: config.tlsPort, host: config.host }, 'cannot listen');
    process.exit(1);
  }
  reporter.start();
  const admin =
    config.adminPort !== undefined && !cluster.isWorker
      ? await startAdminServer({ metrics: () => r.metrics(), health: () => ({ tableVersion: r.table().version, ...r.stats(), reports: reporter.stats() }) }, config.adminPort)
      : undefined;
  if (admin !== undefined) logger.info({ port: admin.port }, 'admin endpoints on loopback');
  if (cluster.isWorker) {
    const status = setInterval(() => {
      const message: WorkerMessage = { type: 'paas-router-status', metrics: r.metrics(), tableVersion: r.table().version };
      process.send?.(message);
    }, Math.min(config.reportIntervalMs, 1000));
    status.unref();
  }

  const watcher = createRouteWatcher({ source: client, router: r, store, logger, routerId });
  const stopWatching = new AbortController();
  const watching = watcher.run(stopWatching.signal);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing requests in flight');
    stopWatching.abort();
    await r.close();
    await watching;
    await reporter.stop();
    await admin?.close();
    await client.close();
    process.exit(0);
  };
  process.once('SIGTERM', (s) => void stop(s));
  process.once('SIGINT', (s) => void stop(s));
}

/** Forks the workers, replaces those that die, and serves the admin endpoints for all of them. */
async function runPrimary(config: RouterConfig, logger: Logger): Promise<void> {
  const totals = new WorkerMetrics();
  const versions = new Map<number, number>();
  let stopping = false;
  const fork = () => cluster.fork();
  cluster.on('message', (worker, message: WorkerMessage) => {
    if (message?.type !== 'paas-router-status') return;
    totals.update(worker.id, message.metrics);
    versions.set(worker.id, message.tableVersion);
  });
  cluster.on('exit', (worker, code, signal) => {
    totals.retire(worker.id);
    versions.delete(worker.id);
    if (stopping) return;
    logger.error({ worker: worker.id, code, signal }, 'router worker exited; starting another');
    setTimeout(fork, 1000);
  });
  for (let i = 0; i < config.workers; i++) fork();
  logger.info({ workers: config.workers, port: config.port, tlsPort: config.tlsPort }, 'router cluster started');
  const admin =
    config.adminPort === undefined
      ? undefined
      : await startAdminServer(
          { metrics: () => totals.total(), health: () => ({ workers: Object.keys(cluster.workers ?? {}).length, tableVersions: [...versions.values()] }) },
          config.adminPort,
        );
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the router workers');
    const workers = Object.values(cluster.workers ?? {});
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w === undefined || w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    );
    await admin?.close();
    process.exit(0);
  };
  process.once('SIGTERM', (s) => void stop(s));
  process.once('SIGINT', (s) => void stop(s));
}

void main();

#!/usr/bin/env node
/**
 * The router process: a primary that owns the listening sockets and `PAAS_ROUTER_WORKERS` worker
 * processes that accept on them. Each worker serves the last saved route table at once, keeps it current
 * from the control plane and ships access lines and metrics to it. SIGHUP reloads the workers (new code
 * included) without dropping a request; SIGTERM drains and stops. `pnpm router` runs it.
 */
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { pino } from 'pino';
import { systemClock, type AppRequestMetrics, type Logger } from '@paas/core';
import { createRouter, type AccessLogSink } from '@paas/router';
import { startAdminServer } from './admin-server.js';
import { loadRouterConfig, type RouterConfig } from './config.js';
import { startControlLink } from './control-link.js';
import { createReporter, type Reporter } from './reporter.js';
import { decodePlan, encodePlan, planListen, type ListenPlan } from './listen-sockets.js';
import { Supervisor } from './supervisor.js';
import { createFileTableStore } from './table-store.js';
import { WorkerMetrics } from './worker-metrics.js';

const VERSION = '0.1.0';

/** What a worker tells the primary: that it listens, and its counters for `/metrics` and `/healthz`. */
type WorkerMessage = { type: 'paas-router-ready' } | { type: 'paas-router-status'; metrics: AppRequestMetrics[]; tableVersion: number };

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
  if (cluster.isPrimary) await runPrimary(config, logger);
  else await runWorker(config, logger.child({ worker: cluster.worker?.id, generation: Number(process.env.PAAS_ROUTER_GENERATION ?? 1) }));
}

/** One worker: a router serving the primary's sockets, fed by the control plane. */
async function runWorker(config: RouterConfig, logger: Logger): Promise<void> {
  const planText = process.env.PAAS_ROUTER_LISTEN_PLAN;
  const plan: ListenPlan = planText === undefined ? { http: config.port, https: config.tlsPort, activated: false } : decodePlan(planText);
  const routerId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  // The router and the link are made below, before `reporter.start()`: nothing calls these earlier.
  const reporter: Reporter = createReporter({
    target: { routerReportJson: (json, signal) => link.target.routerReportJson(json, signal) },
    routerId,
    metrics: () => r.metrics(),
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
    const port = await r.listen(plan.http, config.host);
    logger.info({ port, host: config.host, api: config.apiUrl, activated: plan.activated }, `router listening on port ${port}`);
    if (plan.https !== undefined) {
      const tlsPort = await r.listenTls(plan.https, config.host);
      logger.info({ port: tlsPort, host: config.host }, `router listening for HTTPS on port ${tlsPort}`);
    }
  } catch (err) {
    logger.error({ err: (err as Error).message, port: config.port, tlsPort: config.tlsPort, host: config.host }, 'cannot listen');
    process.exit(1);
  }
  const link = startControlLink({
    threadUrl: new URL('./control-link-thread.js', import.meta.url),
    settings: { apiUrl: config.apiUrl, apiToken: config.apiToken, userAgent: `paas-router/${VERSION}`, routerId, since: r.table().version, tablePath: config.tablePath },
    applyTable: (table) => r.applyTable(table),
    logger,
    onFailure: (err) => {
      // Without the link the worker would serve a table that never changes: the primary replaces it.
      logger.error({ err: err.message }, 'lost the link to the control plane; this worker exits');
      process.exit(1);
    },
  });
  reporter.start();
  const status = (): WorkerMessage => ({ type: 'paas-router-status', metrics: r.metrics(), tableVersion: r.table().version });
  process.send?.({ type: 'paas-router-ready' } satisfies WorkerMessage);
  const statusTimer = setInterval(() => process.send?.(status()), Math.min(config.reportIntervalMs, 1000));
  statusTimer.unref();

  onStopSignal(async (signal) => {
    logger.info({ signal }, 'stopping: finishing requests in flight');
    const watching = link.stopWatching();
    await r.close();
    clearInterval(statusTimer);
    await watching;
    await reporter.stop();
    await link.close();
    // The last counters reach the primary before the worker goes, so its totals never lose requests.
    if (process.send !== undefined && process.connected) await new Promise<void>((resolve) => process.send!(status(), () => resolve()));
    process.exit(0);
  });
}

/**
 * The primary: owns the listening sockets (bound once, or inherited from systemd), keeps the workers
 * running, reloads them on SIGHUP without dropping a request, and serves the admin endpoints.
 */
async function runPrimary(config: RouterConfig, logger: Logger): Promise<void> {
  let plan: ListenPlan;
  try {
    plan = planListen(process.env, process.pid, { port: config.port, tlsPort: config.tlsPort });
  } catch (err) {
    process.stderr.write(`paas-router: ${(err as Error).message}\n`);
    process.exit(2);
  }
  for (const name of ['LISTEN_PID', 'LISTEN_FDS', 'LISTEN_FDNAMES']) delete process.env[name];
  // Workers accept on the shared sockets themselves; the default (round robin) would pass every
  // connection through this process.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const totals = new WorkerMetrics();
  const versions = new Map<number, number>();
  const supervisor = new Supervisor({
    spawn: (generation) => {
      const worker = cluster.fork({ PAAS_ROUTER_LISTEN_PLAN: encodePlan(plan), PAAS_ROUTER_GENERATION: String(generation) });
      return {
        id: worker.id,
        pid: worker.process.pid,
        stop: () => {
          if (!worker.isDead()) worker.process.kill('SIGTERM');
        },
      };
    },
    workers: config.workers,
    clock: systemClock,
    logger,
    readyTimeoutMs: config.reloadTimeoutMs,
    restartDelayMs: 1000,
  });
  cluster.on('message', (worker, message: WorkerMessage) => {
    if (message?.type === 'paas-router-ready') {
      supervisor.ready(worker.id);
    } else if (message?.type === 'paas-router-status') {
      totals.update(worker.id, message.metrics);
      versions.set(worker.id, message.tableVersion);
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    totals.retire(worker.id);
    versions.delete(worker.id);
    supervisor.exited(worker.id, code, signal);
  });
  supervisor.start();
  logger.info({ workers: config.workers, port: config.port, tlsPort: config.tlsPort, activated: plan.activated }, 'router started; SIGHUP reloads it without dropping requests');
  const admin =
    config.adminPort === undefined
      ? undefined
      : await startAdminServer({ metrics: () => totals.total(), health: () => ({ ...supervisor.health(), pid: process.pid, tableVersions: [...versions.values()] }) }, config.adminPort);
  if (admin !== undefined) logger.info({ port: admin.port }, 'admin endpoints on loopback');
  process.on('SIGHUP', () => {
    void supervisor.reload();
  });
  onStopSignal(async (signal) => {
    logger.info({ signal }, 'stopping the router workers');
    await supervisor.stop();
    await admin?.close();
    process.exit(0);
  });
}

/** Runs `stop` once, at the first SIGTERM or SIGINT. */
function onStopSignal(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const once = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    void stop(signal);
  };
  process.once('SIGTERM', once);
  process.once('SIGINT', once);
}

void main();

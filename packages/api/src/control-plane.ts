import { mkdirSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Clock, Logger, RouterLogLine } from '@paas/core';
import type { DynoManager } from '@paas/dyno-manager';
import type { SlugCompiler } from '@paas/slug-compiler';
import { createLogService, type LogService } from '@paas/logs';
import type { Store } from '@paas/store';
import { createAppLog, createRouterLineSink } from './app-log.js';
import { installAuth } from './auth.js';
import type { ApiContext, ApiOptions, AppArtifacts } from './context.js';
import { Deployer } from './deployer.js';
import { GarbageCollector } from './garbage-collector.js';
import { accountRoutes } from './routes/account.js';
import { adminRoutes } from './routes/admin.js';
import { installErrorHandler } from './error-handler.js';
import { OutputLogs } from './output-logs.js';
import { ReleaseService } from './release-service.js';
import type { PlatformCounters } from './platform-metrics.js';
import { RouterMetrics } from './router-metrics.js';
import { metricsRoutes } from './routes/metrics.js';
import { RoutePublisher, type RoutePublisherOptions } from './route-publisher.js';
import { appRoutes } from './routes/apps.js';
import { buildRoutes } from './routes/builds.js';
import { configVarRoutes } from './routes/config-vars.js';
import { domainRoutes } from './routes/domains.js';
import { sniEndpointRoutes } from './routes/sni-endpoints.js';
import { dynoRunRoutes } from './routes/dyno-run.js';
import { dynoRoutes } from './routes/dynos.js';
import { formationRoutes } from './routes/formation.js';
import { healthRoutes } from './routes/health.js';
import { logDrainRoutes } from './routes/log-drains.js';
import { logRoutes } from './routes/logs.js';
import { releaseRoutes } from './routes/releases.js';
import { routerRoutes } from './routes/router.js';

export interface ControlPlaneDeps {
  store: Store;
  compiler: Pick<SlugCompiler, 'compile' | 'ensureImage'>;
  dynos: Pick<
    DynoManager,
    'deploy' | 'apply' | 'remove' | 'listDynos' | 'backends' | 'isCrashed' | 'onChange' | 'runOneOff' | 'scale' | 'restart' | 'stop' | 'sizes'
  >;
  artifacts: AppArtifacts;
  /** Counters of platform events for `/metrics`, updated by the caller. */
  counters?: PlatformCounters;
  /** Where routers' access-log lines go; the apps' log streams (`logs`) when absent. */
  routerLines?: (lines: RouterLogLine[], dropped: number, droppedByApp?: Record<string, number>) => void;
  /** The apps' log streams and drains; an in-memory one (closed with the plane) when absent. */
  logs?: LogService;
  logger: Logger;
  clock: Clock;
  options: ApiOptions & {
    routes: Omit<RoutePublisherOptions, 'domain'>;
    /** Where the output of finished builds and releases is kept. */
    outputsDir: string;
    maxOutputBytes: number;
    /** Longest run of a release phase command. */
    releaseTimeoutMs: number;
    /** Releases whose slugs each app keeps for rollbacks. */
    keepReleases: number;
    /** The admin's API token and the email recorded on what it does. */
    adminToken: string;
    adminEmail: string;
    /** Public URL of an app. */
    webUrl: (appName: string) => string;
    /** Name of the stack, recorded on slugs. */
    stack: string;
  };
}

export interface ControlPlane {
  /** The HTTP API, built but not listening. */
  api: FastifyInstance;
  routes: RoutePublisher;
  deployer: Deployer;
  releases: ReleaseService;
  gc: GarbageCollector;
  /** Fails work a previous run left pending and makes every app's current release desired again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Composes the store and the engines into the control plane: the services and the HTTP API on top. */
export function createControlPlane(deps: ControlPlaneDeps): ControlPlane {
  const { store, logger, clock, options } = deps;
  mkdirSync(options.sourcesDir, { recursive: true, mode: 0o700 });
  const routes = new RoutePublisher({ store, dynos: deps.dynos, clock, logger, options: { domain: options.domain, ...options.routes } });
  const unsubscribe = deps.dynos.onChange(() => routes.refresh());
  const outputs = new OutputLogs({ dir: options.outputsDir, maxBytes: options.maxOutputBytes });
  const logs = deps.logs ?? createLogService({ clock, logger: logger.child({ component: 'logs' }) });
  const appLog = createAppLog(logs);
  const releases = new ReleaseService({
    store,
    compiler: deps.compiler,
    dynos: deps.dynos,
    routes,
    outputs,
    logger,
    releaseTimeoutMs: options.releaseTimeoutMs,
    appLog,
  });
  const gc = new GarbageCollector({ store, artifacts: deps.artifacts, queue: releases.queue, logger, keepReleases: options.keepReleases });
  releases.onLive = (appId) => void gc.pruneApp(appId).catch((err: unknown) => logger.warn({ err }, 'pruning slugs failed'));
  const deployer = new Deployer({
    store,
    compiler: deps.compiler,
    releases,
    outputs,
    logger,
    webUrl: options.webUrl,
    stack: options.stack,
    appLog,
  });

  const api = Fastify({
    // The platform logs through its own logger (the error handler logs failures); fastify's stays off.
    logger: false,
    bodyLimit: options.maxJsonBodyBytes,
    return503OnClosing: true,
    // Unknown body fields are refused, not silently dropped: a typo must not pass as success.
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
    forceCloseConnections: true,
  });
  installErrorHandler(api, logger);
  // The admin token acts as the operator user; apps made before users existed become theirs.
  const admin = store.users.findByEmail(options.adminEmail) ?? store.users.create({ email: options.adminEmail, passwordHash: null, admin: true });
  store.users.adoptOrphanApps(admin.id);
  installAuth(api, store, { adminToken: options.adminToken, admin });
  const ctx: ApiContext = {
    store,
    dynos: deps.dynos,
    deployer,
    releases,
    gc,
    routes,
    outputs,
    metrics: new RouterMetrics(),
    counters: deps.counters ?? { dynoCrashes: 0 },
    routerLines: deps.routerLines ?? createRouterLineSink(store, logs, logger, clock),
    logs,
    appLog,
    artifacts: deps.artifacts,
    logger,
    clock,
    options,
    webUrl: options.webUrl,
  };
  healthRoutes(api, ctx);
  appRoutes(api, ctx);
  buildRoutes(api, ctx);
  releaseRoutes(api, ctx);
  configVarRoutes(api, ctx);
  metricsRoutes(api, ctx);
  adminRoutes(api, ctx);
  domainRoutes(api, ctx);
  sniEndpointRoutes(api, ctx);
  dynoRoutes(api, ctx, deps.dynos);
  formationRoutes(api, ctx, deps.dynos);
  dynoRunRoutes(api, ctx, deps.dynos);
  routerRoutes(api, ctx);
  logRoutes(api, ctx);
  logDrainRoutes(api, ctx);
  accountRoutes(api, ctx);

  return {
    api,
    routes,
    deployer,
    releases,
    gc,
    async restore() {
      const failed = store.failInterrupted('Interrupted by a restart of the control plane; push again.');
      if (failed.builds + failed.releases > 0) logger.warn(failed, 'failed work left pending by the previous run');
      await releases.restoreAll();
      routes.refresh();
    },
    async close() {
      unsubscribe();
      await api.close();
      if (!deps.logs) await logs.close();
    },
  };
}

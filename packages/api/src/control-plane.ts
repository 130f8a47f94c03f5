import { mkdirSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Clock, Logger } from '@paas/core';
import type { DynoManager } from '@paas/dyno-manager';
import type { SlugCompiler } from '@paas/slug-compiler';
import type { Store } from '@paas/store';
import { installAuth } from './auth.js';
import { BuildLogs } from './build-logs.js';
import type { ApiContext, ApiOptions, AppArtifacts } from './context.js';
import { Deployer } from './deployer.js';
import { installErrorHandler } from './error-handler.js';
import { RoutePublisher, type RoutePublisherOptions } from './route-publisher.js';
import { appRoutes } from './routes/apps.js';
import { buildRoutes } from './routes/builds.js';
import { dynoRoutes } from './routes/dynos.js';
import { healthRoutes } from './routes/health.js';
import { releaseRoutes } from './routes/releases.js';
import { routerRoutes } from './routes/router.js';

export interface ControlPlaneDeps {
  store: Store;
  compiler: Pick<SlugCompiler, 'compile' | 'ensureImage'>;
  dynos: Pick<DynoManager, 'deploy' | 'apply' | 'remove' | 'listDynos' | 'backends' | 'isCrashed' | 'onChange'>;
  artifacts: AppArtifacts;
  logger: Logger;
  clock: Clock;
  options: ApiOptions & {
    routes: Omit<RoutePublisherOptions, 'domain'>;
    /** Where finished builds' output is kept. */
    buildLogsDir: string;
    maxBuildLogBytes: number;
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
  const buildLogs = new BuildLogs({ dir: options.buildLogsDir, maxBytes: options.maxBuildLogBytes });
  const deployer = new Deployer({
    store,
    compiler: deps.compiler,
    dynos: deps.dynos,
    routes,
    buildLogs,
    logger,
    webUrl: options.webUrl,
    stack: options.stack,
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
  installAuth(api, { token: options.adminToken, adminEmail: options.adminEmail });
  const ctx: ApiContext = {
    store,
    dynos: deps.dynos,
    deployer,
    routes,
    buildLogs,
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
  dynoRoutes(api, ctx);
  routerRoutes(api, ctx);

  return {
    api,
    routes,
    deployer,
    async restore() {
      const failed = store.failInterrupted('Interrupted by a restart of the control plane; push again.');
      if (failed.builds + failed.releases > 0) logger.warn(failed, 'failed work left pending by the previous run');
      await deployer.restoreAll();
      routes.refresh();
    },
    async close() {
      unsubscribe();
      await api.close();
    },
  };
}

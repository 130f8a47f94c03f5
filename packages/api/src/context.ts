import type { Clock, Logger } from '@paas/core';
import type { DynoManager } from '@paas/dyno-manager';
import type { SlugRecord, Store } from '@paas/store';
import type { BuildLogs } from './build-logs.js';
import type { Deployer } from './deployer.js';
import type { RoutePublisher } from './route-publisher.js';

/** Removes what an app leaves on disk and in the engine once it is destroyed. */
export interface AppArtifacts {
  removeApp(app: { id: string; name: string }, slugs: SlugRecord[]): Promise<void>;
}

export interface ApiOptions {
  /** Apps are served at `<app>.<domain>`. */
  domain: string;
  /** Platform version reported by the health check. */
  version: string;
  /** Uploaded source tarballs are kept here until their build ends. */
  sourcesDir: string;
  /** Largest accepted source upload (compressed). */
  maxSourceBytes: number;
  /** Largest accepted JSON body. */
  maxJsonBodyBytes: number;
  /** Longest a router's long poll is held. */
  maxRouterWaitSeconds: number;
}

/** Everything the routes use, built once by `createControlPlane`. */
export interface ApiContext {
  store: Store;
  dynos: Pick<DynoManager, 'listDynos' | 'remove'>;
  deployer: Deployer;
  routes: RoutePublisher;
  buildLogs: BuildLogs;
  artifacts: AppArtifacts;
  logger: Logger;
  clock: Clock;
  options: ApiOptions;
  webUrl: (appName: string) => string;
}

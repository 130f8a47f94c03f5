import type { Clock, Logger, RouterLogLine } from '@paas/core';
import type { DynoManager } from '@paas/dyno-manager';
import type { LogService } from '@paas/logs';
import type { SlugRecord, Store } from '@paas/store';
import type { AppLog } from './app-log.js';
import type { Deployer } from './deployer.js';
import type { GarbageCollector } from './garbage-collector.js';
import type { OutputLogs } from './output-logs.js';
import type { PlatformCounters } from './platform-metrics.js';
import type { RouterMetrics } from './router-metrics.js';
import type { ReleaseService } from './release-service.js';
import type { RoutePublisher } from './route-publisher.js';

/** Something the garbage collector removes (or would, on a dry run). */
export interface GcItem {
  kind: 'slug' | 'image' | 'container' | 'cache' | 'source';
  name: string;
  app?: string;
  bytes: number;
}

/** What apps leave on disk and in the engine: removed with the app, pruned by retention, swept. */
export interface AppArtifacts {
  removeApp(app: { id: string; name: string }, slugs: SlugRecord[]): Promise<void>;
  /** Removes one slug's file and its image (unless `dryRun`); returns what it removed. */
  removeSlug(app: { id: string; name: string }, slug: SlugRecord, dryRun: boolean): Promise<GcItem[]>;
  /**
   * Everything of the platform that nothing uses any more: stopped build and one-off containers, slug
   * images of no live slug, caches of destroyed apps, uploads no build will read.
   */
  sweep(live: { appIds: ReadonlySet<string>; slugImages: ReadonlySet<string> }, dryRun: boolean): Promise<GcItem[]>;
  /** Bytes an app uses on disk: its live slugs and its build cache. */
  diskUsage(app: { id: string }, slugs: SlugRecord[]): Promise<{ slugsBytes: number; cacheBytes: number }>;
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
  /** Login attempts allowed per email per window (and four times that per client address). */
  loginAttempts: number;
  loginWindowMs: number;
  /** Largest total size of an app's config vars (keys and values, UTF-8 bytes). */
  maxConfigBytes: number;
  /** Longest a router's long poll is held. */
  maxRouterWaitSeconds: number;
}

/** Everything the routes use, built once by `createControlPlane`. */
export interface ApiContext {
  store: Store;
  dynos: Pick<DynoManager, 'listDynos' | 'remove'>;
  deployer: Deployer;
  releases: ReleaseService;
  gc: GarbageCollector;
  routes: RoutePublisher;
  outputs: OutputLogs;
  metrics: RouterMetrics;
  counters: PlatformCounters;
  /** Where the routers' access-log lines go (the apps' log streams). */
  routerLines: (lines: RouterLogLine[], dropped: number, droppedByApp?: Record<string, number>) => void;
  /** The apps' log streams and drains. */
  logs: LogService;
  /** The API's events in an app's log stream (`paas[api]`). */
  appLog: AppLog;
  artifacts: AppArtifacts;
  logger: Logger;
  clock: Clock;
  options: ApiOptions;
  webUrl: (appName: string) => string;
}

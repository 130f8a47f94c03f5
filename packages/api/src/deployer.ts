import { rm } from 'node:fs/promises';
import { PaasError, isPaasError, type Logger } from '@paas/core';
import type { DynoManager } from '@paas/dyno-manager';
import type { SlugCompiler } from '@paas/slug-compiler';
import type { AppRecord, BuildRecord, ReleaseRecord, SlugRecord, SourceRecord, Store } from '@paas/store';
import { appSpec, ensureFormation } from './app-spec.js';
import type { BuildLogs } from './build-logs.js';
import { KeyedQueue } from './keyed-queue.js';
import type { RoutePublisher } from './route-publisher.js';

export interface DeployerDeps {
  store: Store;
  compiler: Pick<SlugCompiler, 'compile' | 'ensureImage'>;
  dynos: Pick<DynoManager, 'deploy' | 'apply'>;
  routes: Pick<RoutePublisher, 'refresh'>;
  buildLogs: BuildLogs;
  logger: Logger;
  /** Public URL of an app, for the build's last line. */
  webUrl: (appName: string) => string;
  /** Name of the stack slugs are built on. */
  stack: string;
}

/**
 * The path from uploaded source to serving release: compile a slug, record a release, roll the dynos
 * over, and only then make the release current. One app's deploys run one at a time.
 */
export class Deployer {
  readonly queue = new KeyedQueue();

  constructor(private readonly deps: DeployerDeps) {}

  /** Records a pending build and runs it in the background; its output streams from `buildLogs`. */
  startBuild(app: AppRecord, source: SourceRecord, sourceVersion: string | null, userEmail: string): BuildRecord {
    const { store, buildLogs } = this.deps;
    const build = store.createBuild({ appId: app.id, sourceId: source.id, sourceChecksum: source.checksum, sourceVersion, userEmail });
    const out = buildLogs.open(build.id);
    void this.queue
      .run(app.id, () => this.runBuild(app, build, source, out))
      .finally(() => {
        buildLogs.close(build.id);
        void rm(source.path, { force: true });
      });
    return build;
  }

  /** Rolls the app's dynos over to `release`; marks it succeeded and current, or failed (and throws). */
  async release(app: AppRecord, release: ReleaseRecord, slug: SlugRecord, out: (line: string) => void): Promise<void> {
    const { store, dynos, compiler, routes, logger } = this.deps;
    try {
      await compiler.ensureImage({ checksum: slug.checksum, path: slug.path, app: { id: app.id, name: app.name } });
      ensureFormation(store, app.id, slug.processTypes);
      await dynos.deploy(appSpec(store, app, release, slug));
      store.transaction(() => {
        store.setReleaseStatus(release.id, 'succeeded');
        store.setCurrentRelease(app.id, release.id);
      });
      routes.refresh();
      logger.info({ app: app.name, version: release.version }, 'release is live');
    } catch (err) {
      const message = isPaasError(err) ? err.message : 'internal error while starting dynos';
      store.setReleaseStatus(release.id, 'failed', message);
      logger.warn({ app: app.name, version: release.version, err }, 'release failed');
      out(` !     Release v${release.version} failed: ${message}`);
      throw isPaasError(err) ? err : new PaasError('release_failed', message, { cause: err });
    }
  }

  private async runBuild(app: AppRecord, build: BuildRecord, source: SourceRecord, out: (line: string) => void): Promise<void> {
    const { store, compiler, logger } = this.deps;
    let slug: SlugRecord;
    try {
      const fresh = store.getApp(app.id);
      const compiled = await compiler.compile(
        { buildId: build.id, app: { id: app.id, name: app.name }, sourcePath: source.path, env: fresh.config },
        out,
      );
      slug = store.createSlug({
        appId: app.id,
        checksum: compiled.checksum,
        path: compiled.path,
        size: compiled.size,
        image: compiled.image,
        processTypes: compiled.processTypes,
        buildpack: compiled.buildpack,
        stack: this.deps.stack,
        commit: build.sourceVersion,
      });
      store.updateBuild(build.id, { slugId: slug.id, buildpack: compiled.buildpack });
    } catch (err) {
      const error = isPaasError(err) ? { id: err.code, message: err.message } : { id: 'internal_error', message: 'The build failed unexpectedly.' };
      if (!isPaasError(err)) logger.error({ err, build: build.id }, 'build crashed');
      out(` !     ${error.message}`);
      out(' !     Push failed');
      store.updateBuild(build.id, { status: 'failed', error });
      return;
    }

    const current = store.getApp(app.id);
    const shortVersion = (build.sourceVersion ?? build.sourceChecksum.replace(/^SHA256:/, '')).slice(0, 7);
    const release = store.createRelease({
      appId: app.id,
      slugId: slug.id,
      config: current.config,
      description: `Deploy ${shortVersion}`,
      userEmail: build.userEmail,
    });
    store.updateBuild(build.id, { status: 'succeeded', releaseId: release.id });
    out(`-----> Launching...`);
    try {
      await this.release(current, release, slug, out);
      out(`       Released v${release.version}`);
      out(`       ${this.deps.webUrl(app.name)} deployed to paas`);
    } catch (err) {
      const error = isPaasError(err) ? { id: err.code, message: err.message } : { id: 'release_failed', message: String(err) };
      store.updateBuild(build.id, { error });
      out(' !     Push failed: the previous release keeps serving');
    }
  }

  /** At startup: make every app's current release desired again; running dynos are adopted as they are. */
  async restoreAll(): Promise<void> {
    const { store, dynos, compiler, logger } = this.deps;
    for (const app of store.listApps()) {
      if (!app.currentReleaseId) continue;
      try {
        const release = store.getRelease(app.id, app.currentReleaseId);
        const slug = release.slugId ? store.findSlug(release.slugId) : undefined;
        if (!slug) continue;
        await compiler.ensureImage({ checksum: slug.checksum, path: slug.path, app: { id: app.id, name: app.name } });
        await dynos.apply(appSpec(store, app, release, slug));
      } catch (err) {
        logger.error({ err, app: app.name }, 'could not restore the app');
      }
    }
  }
}

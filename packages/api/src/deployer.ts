import { rm } from 'node:fs/promises';
import { isPaasError, type Logger } from '@paas/core';
import type { SlugCompiler } from '@paas/slug-compiler';
import type { AppRecord, BuildRecord, SlugRecord, SourceRecord, Store } from '@paas/store';
import type { AppLog } from './app-log.js';
import type { OutputLogs } from './output-logs.js';
import type { ReleaseService } from './release-service.js';

export interface DeployerDeps {
  store: Store;
  compiler: Pick<SlugCompiler, 'compile'>;
  releases: ReleaseService;
  outputs: OutputLogs;
  logger: Logger;
  /** Public URL of an app, for the build's last line. */
  webUrl: (appName: string) => string;
  /** Name of the stack slugs are built on. */
  stack: string;
  /** The app's log stream, told when builds start and end. */
  appLog?: AppLog;
}

/**
 * Builds: uploaded source → slug (the compiler queues builds itself), then a release through the
 * release service, which keeps one app's releases in order. Compiling happens outside the app's release
 * queue, so a config change never waits for a build.
 */
export class Deployer {
  constructor(private readonly deps: DeployerDeps) {}

  /** Records a pending build and runs it in the background; its output streams from `outputs`. */
  startBuild(app: AppRecord, source: SourceRecord, sourceVersion: string | null, userEmail: string): BuildRecord {
    const { store, outputs } = this.deps;
    const build = store.createBuild({ appId: app.id, sourceId: source.id, sourceChecksum: source.checksum, sourceVersion, userEmail });
    const out = outputs.open(build.id);
    this.deps.appLog?.api(app.id, `Build started by ${userEmail}`);
    void this.runBuild(app, build, source, out).finally(() => {
      outputs.close(build.id);
      void rm(source.path, { force: true });
    });
    return build;
  }

  private async runBuild(app: AppRecord, build: BuildRecord, source: SourceRecord, out: (line: string) => void): Promise<void> {
    const { store, compiler, logger } = this.deps;
    let slug: SlugRecord;
    try {
      const compiled = await compiler.compile(
        { buildId: build.id, app: { id: app.id, name: app.name }, sourcePath: source.path, env: store.getApp(app.id).config },
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
      this.deps.appLog?.api(app.id, `Build failed: ${error.message}`);
      return;
    }

    const shortVersion = (build.sourceVersion ?? build.sourceChecksum.replace(/^SHA256:/, '')).slice(0, 7);
    out('-----> Launching...');
    const { created, done } = this.deps.releases.enqueue(
      app.id,
      build.userEmail,
      (current) => ({ slug, config: current.config, description: `Deploy ${shortVersion}`, restart: true }),
      out,
    );
    let release;
    try {
      release = await created;
    } catch (err) {
      const error = isPaasError(err) ? { id: err.code, message: err.message } : { id: 'release_failed', message: String(err) };
      store.updateBuild(build.id, { status: 'failed', error });
      out(` !     ${error.message}`);
      return;
    }
    // The build is done once its release exists; the release has a status of its own.
    store.updateBuild(build.id, { status: 'succeeded', releaseId: release.id });
    this.deps.appLog?.api(app.id, 'Build succeeded');
    try {
      await done;
      out(`       Released v${release.version}`);
      out(`       ${this.deps.webUrl(app.name)} deployed to paas`);
    } catch (err) {
      const error = isPaasError(err) ? { id: err.code, message: err.message } : { id: 'release_failed', message: String(err) };
      store.updateBuild(build.id, { error });
      out(' !     Push failed: the previous release keeps serving');
    }
  }
}

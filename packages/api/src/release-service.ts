import { DEFAULT_DYNO_SIZE, PaasError, isPaasError, type Logger } from '@paas/core';
import type { DynoManager } from '@paas/dyno-manager';
import type { SlugCompiler } from '@paas/slug-compiler';
import type { AppRecord, ReleaseRecord, SlugRecord, Store } from '@paas/store';
import { appSpec, ensureFormation } from './app-spec.js';
import { KeyedQueue } from './keyed-queue.js';
import type { AppLog } from './app-log.js';
import type { OutputLogs } from './output-logs.js';
import type { RoutePublisher } from './route-publisher.js';

export interface ReleaseServiceDeps {
  store: Store;
  compiler: Pick<SlugCompiler, 'ensureImage'>;
  dynos: Pick<DynoManager, 'deploy' | 'apply' | 'runOneOff'>;
  routes: Pick<RoutePublisher, 'refresh'>;
  outputs: OutputLogs;
  logger: Logger;
  /** Longest run of a release phase command (Heroku: 1 hour). */
  releaseTimeoutMs: number;
  /** The app's log stream, told about each release. */
  appLog?: AppLog;
}

/** What to release: decided inside the app's queue, so it sees every release made before it. */
export interface ReleasePlan {
  slug: SlugRecord | null;
  config: Record<string, string>;
  description: string;
  /** Record the release and make it current without touching the dynos (`config:set --no-restart`). */
  restart: boolean;
}

export interface Enqueued {
  /** Resolves with the release once it is recorded (pending), after releases queued before it. */
  created: Promise<ReleaseRecord>;
  /** Resolves once it is live, rejects when it failed (the previous release keeps serving). */
  done: Promise<ReleaseRecord>;
}

/**
 * Every release goes through here, one app at a time: create `vN`, run the release phase, roll the dynos
 * over with zero downtime, and only then make it current. Builds, config changes and rollbacks differ
 * only in the plan.
 */
export class ReleaseService {
  readonly queue = new KeyedQueue();
  /** Called after a release went live (the garbage collector prunes old slugs then). */
  onLive: ((appId: string) => void) | undefined;

  constructor(private readonly deps: ReleaseServiceDeps) {}

  /**
   * Queues a release of the app. `plan` runs at the head of the queue; `out` receives the rollout's
   * output (the build's output for deploys); without it the output is kept under the release's id.
   */
  enqueue(appId: string, userEmail: string, plan: (app: AppRecord) => ReleasePlan, out?: (line: string) => void): Enqueued {
    let created!: (r: ReleaseRecord) => void;
    let refused!: (err: unknown) => void;
    const createdPromise = new Promise<ReleaseRecord>((resolve, reject) => {
      created = resolve;
      refused = reject;
    });
    const done = this.queue.run(appId, async () => {
      const { store, outputs } = this.deps;
      let release: ReleaseRecord;
      let chosen: ReleasePlan;
      let app: AppRecord;
      try {
        app = store.getApp(appId);
        chosen = plan(app);
        release = store.createRelease({
          appId,
          slugId: chosen.slug?.id ?? null,
          config: chosen.config,
          description: chosen.description,
          userEmail,
        });
      } catch (err) {
        refused(err);
        throw err;
      }
      const write = out ?? outputs.open(release.id);
      created(release);
      this.deps.appLog?.api(appId, `${release.description} by ${userEmail}`);
      this.deps.appLog?.api(appId, `Release v${release.version} created by ${userEmail}`);
      try {
        if (!chosen.slug || !chosen.restart) {
          // Nothing to run yet (no code deployed), or the change waits for the next restart.
          store.transaction(() => {
            store.setReleaseStatus(release.id, 'succeeded');
            store.setCurrentRelease(appId, release.id);
          });
          this.deps.routes.refresh();
          if (chosen.slug) write(`       v${release.version} recorded; it takes effect when the dynos next restart`);
        } else {
          await this.rollOut(app, release, chosen.slug, write);
        }
        return store.getRelease(appId, release.id);
      } finally {
        if (!out) outputs.close(release.id);
      }
    });
    done.catch(() => {});
    return { created: createdPromise, done };
  }

  /** Release phase, then zero-downtime rollover; marks the release succeeded and current, or failed. */
  private async rollOut(app: AppRecord, release: ReleaseRecord, slug: SlugRecord, out: (line: string) => void): Promise<void> {
    const { store, dynos, compiler, routes, logger } = this.deps;
    try {
      await compiler.ensureImage({ checksum: slug.checksum, path: slug.path, app: { id: app.id, name: app.name } });
      ensureFormation(store, app.id, slug.processTypes);
      const spec = appSpec(store, app, release, slug);
      const releaseCommand = slug.processTypes.release;
      if (releaseCommand) await this.releasePhase(spec, releaseCommand, out);
      out(`-----> Starting dynos of v${release.version}`);
      await dynos.deploy(spec);
      store.transaction(() => {
        store.setReleaseStatus(release.id, 'succeeded');
        store.setCurrentRelease(app.id, release.id);
      });
      routes.refresh();
      logger.info({ app: app.name, version: release.version }, 'release is live');
      this.onLive?.(app.id);
    } catch (err) {
      const message = isPaasError(err) ? err.message : 'internal error while starting dynos';
      store.setReleaseStatus(release.id, 'failed', message);
      logger.warn({ app: app.name, version: release.version, code: isPaasError(err) ? err.code : undefined }, 'release failed');
      out(` !     Release v${release.version} failed: ${message}`);
      this.deps.appLog?.api(app.id, `Release v${release.version} failed: ${message}`);
      throw isPaasError(err) ? err : new PaasError('release_failed', message, { cause: err });
    }
  }

  /** Runs the Procfile's `release:` command once, in a one-off dyno of the new release. */
  private async releasePhase(spec: ReturnType<typeof appSpec>, command: string, out: (line: string) => void): Promise<void> {
    out(`-----> Running release command: ${command}`);
    const dyno = await this.deps.dynos.runOneOff({
      spec,
      command,
      type: 'release',
      size: spec.formation.web?.size ?? DEFAULT_DYNO_SIZE,
      timeoutMs: this.deps.releaseTimeoutMs,
    });
    let pending = '';
    dyno.onOutput((_stream, chunk) => {
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        out(`       ${pending.slice(0, nl)}`);
        pending = pending.slice(nl + 1);
      }
    });
    const { exitCode } = await dyno.exited;
    if (pending) out(`       ${pending}`);
    if (exitCode !== 0) {
      throw new PaasError('release_failed', `The release command exited with status ${exitCode}; the previous release keeps serving.`);
    }
    out('       Release command succeeded');
  }

  /** At startup: make every app's current release desired again; running dynos are adopted as they are. */
  async restoreAll(): Promise<void> {
    const { store, dynos, compiler, logger } = this.deps;
    for (const app of store.listApps()) {
      const release = app.currentReleaseId ? store.findRelease(app.id, app.currentReleaseId) : undefined;
      const slug = release?.slugId ? store.findSlug(release.slugId) : undefined;
      if (!release || !slug) continue;
      try {
        await compiler.ensureImage({ checksum: slug.checksum, path: slug.path, app: { id: app.id, name: app.name } });
        await dynos.apply(appSpec(store, app, release, slug));
      } catch (err) {
        logger.error({ err, app: app.name }, 'could not restore the app');
      }
    }
  }

  /** The slug of the app's current release, if code was ever deployed. */
  currentSlug(app: AppRecord): SlugRecord | null {
    const { store } = this.deps;
    const release = app.currentReleaseId ? store.findRelease(app.id, app.currentReleaseId) : undefined;
    return (release?.slugId ? store.findSlug(release.slugId) : undefined) ?? null;
  }
}

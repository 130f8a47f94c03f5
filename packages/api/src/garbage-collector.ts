import type { Logger } from '@paas/core';
import type { Store } from '@paas/store';
import type { AppArtifacts, GcItem } from './context.js';
import type { KeyedQueue } from './keyed-queue.js';
import { slugsToPrune } from './slug-retention.js';

export interface GarbageCollectorDeps {
  store: Store;
  artifacts: AppArtifacts;
  /** The apps' release queue: pruning an app waits for its releases in progress. */
  queue: KeyedQueue;
  logger: Logger;
  /** Releases whose slugs are kept per app (Heroku keeps all; a VM's disk does not). */
  keepReleases: number;
}

/**
 * Disk hygiene: prunes slugs beyond the retention (never the current one or one a pending release needs)
 * and sweeps what no app uses. Runs after releases, periodically, and on demand (`paas admin:gc`).
 */
export class GarbageCollector {
  constructor(private readonly deps: GarbageCollectorDeps) {}

  /** Prunes one app's slugs beyond the retention. */
  async pruneApp(appId: string, dryRun = false): Promise<GcItem[]> {
    const { store, artifacts } = this.deps;
    return this.deps.queue.run(appId, async () => {
      const app = store.findApp(appId);
      if (!app) return [];
      const doomed = slugsToPrune({
        slugs: store.listSlugs(app.id),
        releases: store.listReleases(app.id),
        currentReleaseId: app.currentReleaseId,
        keepReleases: this.deps.keepReleases,
      });
      const items: GcItem[] = [];
      for (const slug of doomed) {
        // Content-addressed: another app (or a kept release) may use the same slug file.
        const shared = store.listApps().some((a) => store.listSlugs(a.id).some((s) => s.id !== slug.id && s.path === slug.path && !s.prunedAt && !doomed.includes(s)));
        items.push(...(await artifacts.removeSlug(app, shared ? { ...slug, path: '' } : slug, dryRun)));
        if (!dryRun) store.markSlugPruned(slug.id);
      }
      return items;
    });
  }

  /** Every app's retention, then the platform-wide sweep. */
  async collect(dryRun: boolean): Promise<GcItem[]> {
    const { store, artifacts, logger } = this.deps;
    const items: GcItem[] = [];
    for (const app of store.listApps()) items.push(...(await this.pruneApp(app.id, dryRun)));
    const apps = store.listApps();
    const liveSlugs = apps.flatMap((a) => store.listSlugs(a.id)).filter((s) => !s.prunedAt && !items.some((i) => i.kind === 'slug' && i.name === s.checksum));
    items.push(...(await artifacts.sweep({ appIds: new Set(apps.map((a) => a.id)), slugImages: new Set(liveSlugs.map((s) => s.image)) }, dryRun)));
    const bytes = items.reduce((sum, i) => sum + i.bytes, 0);
    if (items.length > 0) logger.info({ dryRun, items: items.length, bytes }, dryRun ? 'garbage collection (dry run)' : 'garbage collected');
    return items;
  }
}

import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, Logger } from '@paas/core';
import type { AppArtifacts, GcItem } from '@paas/api';
import type { ContainerRuntime } from '@paas/runtime';
import type { Store } from '@paas/store';

export interface ArtifactsDeps {
  store: Store;
  runtime: ContainerRuntime;
  dataDir: string;
  /** Labels of this platform's containers (its instance id). */
  platformLabels: Record<string, string>;
  clock: Clock;
  logger: Logger;
  /** A stopped build or one-off container, or an upload, older than this is garbage. */
  staleAfterMs: number;
}

/**
 * Build containers of this platform left by a control plane that stopped mid-build: builds run inside
 * paasd, so at its start none can be in progress. Removed whatever their state (a hung one included).
 */
export async function removeInterruptedBuilds(runtime: ContainerRuntime, platformLabels: Record<string, string>, logger: Logger): Promise<number> {
  const containers = await runtime.listContainers({ ...platformLabels, 'paas.managed': '1', 'paas.kind': 'build' });
  for (const c of containers) await runtime.removeContainer(c.id, { force: true });
  if (containers.length > 0) logger.warn({ containers: containers.map((c) => c.name) }, 'removed build containers of interrupted builds');
  return containers.length;
}

/** Slugs, images, caches and containers on this machine, for destroy, retention and sweeps. */
export function createAppArtifacts(deps: ArtifactsDeps): AppArtifacts {
  const { store, runtime, dataDir, logger } = deps;
  const removeImageTag = (tag: string) =>
    runtime.removeImage(tag).catch((err: unknown) => logger.warn({ err, tag }, 'could not remove image'));

  return {
    async removeApp(app, slugs) {
      const stillUsed = new Set(store.listApps().flatMap((a) => store.listSlugs(a.id).map((s) => s.path)));
      for (const slug of slugs) {
        if (!stillUsed.has(slug.path)) await rm(slug.path, { force: true });
      }
      const images = await runtime.listImages({ 'paas.managed': '1', 'paas.app_id': app.id });
      for (const image of images) for (const tag of image.tags) await removeImageTag(tag);
      await rm(join(dataDir, 'cache', app.id), { recursive: true, force: true });
    },

    async removeSlug(app, slug, dryRun) {
      const items: GcItem[] = [];
      // An empty path means the file is shared with a slug that stays; only the image goes.
      if (slug.path && existsSync(slug.path)) {
        items.push({ kind: 'slug', name: slug.checksum, app: app.name, bytes: (await stat(slug.path)).size });
        if (!dryRun) await rm(slug.path, { force: true });
      }
      if (await runtime.imageExists(slug.image)) {
        items.push({ kind: 'image', name: slug.image, app: app.name, bytes: 0 });
        if (!dryRun) await removeImageTag(slug.image);
      }
      return items;
    },

    async sweep(live, dryRun) {
      const items: GcItem[] = [];
      const now = deps.clock.now();
      for (const kind of ['build', 'run']) {
        const containers = await runtime.listContainers({ 'paas.managed': '1', 'paas.kind': kind, ...deps.platformLabels });
        for (const c of containers) {
          const ended = c.state === 'exited' || c.state === 'dead' || c.state === 'created';
          const since = (c.finishedAt ?? c.createdAt).getTime();
          if (!ended || now - since < deps.staleAfterMs) continue;
          items.push({ kind: 'container', name: c.name, bytes: 0 });
          if (!dryRun) await runtime.removeContainer(c.id, { force: true });
        }
      }
      // Slug images of our apps that no live slug uses. Images of apps this store does not know may be
      // another platform instance's (engines can be shared): those are left alone.
      for (const image of await runtime.listImages({ 'paas.managed': '1', 'paas.kind': 'slug' })) {
        const appId = image.labels['paas.app_id'];
        if (!appId || !live.appIds.has(appId)) continue;
        for (const tag of image.tags) {
          if (live.slugImages.has(tag)) continue;
          items.push({ kind: 'image', name: tag, bytes: image.size });
          if (!dryRun) await removeImageTag(tag);
        }
      }
      const cacheRoot = join(dataDir, 'cache');
      for (const name of existsSync(cacheRoot) ? await readdir(cacheRoot) : []) {
        if (live.appIds.has(name)) continue;
        items.push({ kind: 'cache', name, bytes: await du(join(cacheRoot, name)) });
        if (!dryRun) await rm(join(cacheRoot, name), { recursive: true, force: true });
      }
      const sourcesRoot = join(dataDir, 'sources');
      for (const name of existsSync(sourcesRoot) ? await readdir(sourcesRoot) : []) {
        const info = await stat(join(sourcesRoot, name));
        if (now - info.mtimeMs < deps.staleAfterMs) continue;
        items.push({ kind: 'source', name, bytes: info.size });
        if (!dryRun) await rm(join(sourcesRoot, name), { force: true });
      }
      return items;
    },

    async diskUsage(app, slugs) {
      let slugsBytes = 0;
      for (const s of slugs) slugsBytes += existsSync(s.path) ? (await stat(s.path)).size : 0;
      return { slugsBytes, cacheBytes: await du(join(dataDir, 'cache', app.id)) };
    },
  };
}

/** Bytes under a directory (files only; symlinks not followed). */
async function du(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    total += await du(join(path, entry.name));
  }
  return total;
}

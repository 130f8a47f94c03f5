import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@paas/core';
import type { AppArtifacts } from '@paas/api';
import type { ContainerRuntime } from '@paas/runtime';
import type { Store } from '@paas/store';

/** Removes a destroyed app's slugs (unless another app has the same content), images and build cache. */
export function createAppArtifacts(deps: { store: Store; runtime: ContainerRuntime; dataDir: string; logger: Logger }): AppArtifacts {
  return {
    async removeApp(app, slugs) {
      const stillUsed = new Set(deps.store.listApps().flatMap((a) => deps.store.listSlugs(a.id).map((s) => s.path)));
      for (const slug of slugs) {
        if (!stillUsed.has(slug.path)) await rm(slug.path, { force: true });
      }
      const images = await deps.runtime.listImages({ 'paas.managed': '1', 'paas.app_id': app.id });
      for (const image of images) {
        for (const tag of image.tags) {
          await deps.runtime.removeImage(tag).catch((err: unknown) => deps.logger.warn({ err, tag }, 'could not remove image'));
        }
      }
      await rm(join(deps.dataDir, 'cache', app.id), { recursive: true, force: true });
    },
  };
}

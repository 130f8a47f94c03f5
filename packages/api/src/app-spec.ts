import { DEFAULT_DYNO_SIZE } from '@paas/core';
import type { AppSpec } from '@paas/dyno-manager';
import type { AppRecord, ReleaseRecord, SlugRecord, Store } from '@paas/store';

/** Process types that are not long-running dynos. */
const NON_DYNO_TYPES = new Set(['release']);

/** The dyno manager's view of an app at a release: its image, config and formation. */
export function appSpec(store: Store, app: AppRecord, release: ReleaseRecord, slug: SlugRecord): AppSpec {
  const processTypes = Object.fromEntries(Object.entries(slug.processTypes).filter(([type]) => !NON_DYNO_TYPES.has(type)));
  const formation: AppSpec['formation'] = {};
  for (const f of store.listFormation(app.id)) {
    if (processTypes[f.type] !== undefined) formation[f.type] = { quantity: f.quantity, size: f.size };
  }
  return {
    app: { id: app.id, name: app.name },
    release: { id: release.id, version: release.version, image: slug.image },
    env: release.config,
    processTypes,
    formation,
  };
}

/** Gives every new process type a formation row: one web dyno, as Heroku does on first deploy, else zero. */
export function ensureFormation(store: Store, appId: string, processTypes: Record<string, string>): void {
  const existing = new Set(store.listFormation(appId).map((f) => f.type));
  for (const type of Object.keys(processTypes)) {
    if (NON_DYNO_TYPES.has(type) || existing.has(type)) continue;
    store.setFormation(appId, type, type === 'web' ? 1 : 0, DEFAULT_DYNO_SIZE);
  }
}

import { PaasError, type Dyno, type DynoSize } from '@paas/core';
import type { DynoManager, DynoStatus } from '@paas/dyno-manager';
import type { AppRecord, ReleaseRecord, SlugRecord, Store } from '@paas/store';
import { dynoResource } from '../resources.js';

/** What the dyno, formation and run routes ask of the dyno manager. */
export type DynoOps = Pick<DynoManager, 'listDynos' | 'scale' | 'restart' | 'stop' | 'runOneOff' | 'deploy' | 'sizes'>;

/** A dyno on the wire, with the crash facts `paas ps` shows and, for an attached one-off, where to attach. */
export function dynoWire(dyno: DynoStatus, attachUrl: string | null = null): Dyno {
  return {
    ...dynoResource(dyno),
    restart_at: dyno.state === 'crashed' && dyno.restartAt !== undefined ? new Date(dyno.restartAt).toISOString() : null,
    exit_code: dyno.state === 'crashed' ? (dyno.exitCode ?? null) : null,
    attach_url: attachUrl,
  };
}

const dynoIndex = (name: string) => Number(name.slice(name.lastIndexOf('.') + 1));

export function sortDynos(dynos: Dyno[]): Dyno[] {
  return dynos.sort((a, b) => a.type.localeCompare(b.type) || dynoIndex(a.name) - dynoIndex(b.name));
}

/** The dyno named (`web.1`) or with that container id; `dyno_not_found` otherwise. */
export function getDyno(dynos: Pick<DynoManager, 'listDynos'>, appId: string, nameOrId: string): DynoStatus {
  const found = dynos.listDynos(appId).filter((d) => d.name === nameOrId || d.id === nameOrId);
  // During a replacement two containers share a name: the one that is up (or newest) is the dyno.
  const best = found.sort((a, b) => Number(b.state === 'up') - Number(a.state === 'up') || b.createdAt - a.createdAt)[0];
  if (!best) throw new PaasError('dyno_not_found', `No dyno ${nameOrId} on this app.`, { details: { dyno: nameOrId } });
  return best;
}

/** Sizes are matched without regard to case (`Standard-2X`); the answer is the canonical name. */
export function canonicalSize(sizes: readonly DynoSize[], name: string): string {
  const size = sizes.find((s) => s.name.toLowerCase() === name.toLowerCase());
  if (!size) {
    throw new PaasError('invalid_params', `Unknown dyno size ${JSON.stringify(name)}; sizes are ${sizes.map((s) => s.name).join(', ')}.`, {
      details: { size: name },
    });
  }
  return size.name;
}

/** The app's current release and its slug; `no_release` before the first deploy. */
export function currentRelease(store: Store, app: AppRecord): { release: ReleaseRecord; slug: SlugRecord } {
  const release = app.currentReleaseId ? store.findRelease(app.id, app.currentReleaseId) : undefined;
  const slug = release?.slugId ? store.findSlug(release.slugId) : undefined;
  if (!release || !slug) throw new PaasError('no_release', `${app.name} has no release with code yet; push code first.`);
  return { release, slug };
}

/** Process types that run as formation dynos (the `release` command runs once per release instead). */
export function dynoTypes(slug: SlugRecord): string[] {
  return Object.keys(slug.processTypes).filter((t) => t !== 'release').sort();
}

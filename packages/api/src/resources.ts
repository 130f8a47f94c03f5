import type { App, Build, Dyno, Formation, Release, Slug } from '@paas/core';
import type { DynoStatus } from '@paas/dyno-manager';
import type { AppRecord, BuildRecord, FormationRecord, ReleaseRecord, SlugRecord, Store } from '@paas/store';

/** Maps stored records to the API's wire shapes (Heroku Platform API style). */
export function appResource(store: Store, app: AppRecord, webUrl: string): App {
  const current = app.currentReleaseId ? store.findRelease(app.id, app.currentReleaseId) : undefined;
  return {
    id: app.id,
    name: app.name,
    web_url: webUrl,
    current_release: current ? { id: current.id, version: current.version } : null,
    released_at: app.releasedAt,
    maintenance: app.maintenance,
    created_at: app.createdAt,
    updated_at: app.updatedAt,
  };
}

export function buildResource(store: Store, app: AppRecord, build: BuildRecord): Build {
  const release = build.releaseId ? store.findRelease(app.id, build.releaseId) : undefined;
  return {
    id: build.id,
    app: { id: app.id, name: app.name },
    status: build.status,
    source_blob: { id: build.sourceId, checksum: build.sourceChecksum, version: build.sourceVersion },
    slug: build.slugId ? { id: build.slugId } : null,
    release: release ? { id: release.id, version: release.version } : null,
    buildpacks: build.buildpack ? [{ name: build.buildpack }] : [],
    output_stream_url: `/apps/${app.name}/builds/${build.id}/output`,
    error: build.error,
    created_at: build.createdAt,
    updated_at: build.updatedAt,
  };
}

export function releaseResource(app: AppRecord, release: ReleaseRecord): Release {
  return {
    id: release.id,
    app: { id: app.id, name: app.name },
    version: release.version,
    description: release.description,
    status: release.status,
    current: app.currentReleaseId === release.id,
    slug: release.slugId ? { id: release.slugId } : null,
    user: { email: release.userEmail },
    failure_reason: release.failureReason,
    created_at: release.createdAt,
    updated_at: release.updatedAt,
  };
}

export function slugResource(slug: SlugRecord): Slug {
  return {
    id: slug.id,
    checksum: slug.checksum,
    size: slug.size,
    process_types: slug.processTypes,
    buildpack_provided_description: slug.buildpack,
    stack: { name: slug.stack },
    commit: slug.commit,
    created_at: slug.createdAt,
  };
}

export function dynoResource(dyno: DynoStatus): Dyno {
  return {
    id: dyno.id,
    name: dyno.name,
    type: dyno.type,
    state: dyno.state,
    command: dyno.command,
    size: dyno.size,
    release: dyno.release,
    updated_at: new Date(dyno.since).toISOString(),
    created_at: new Date(dyno.createdAt).toISOString(),
  };
}

export function formationResource(f: FormationRecord, command: string): Formation {
  return { type: f.type, quantity: f.quantity, size: f.size, command, updated_at: f.updatedAt };
}

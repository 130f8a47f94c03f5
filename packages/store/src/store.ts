import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { PaasError, systemClock, type Clock } from '@paas/core';
import { DomainRepository } from './domains.js';
import { UserRepository } from './users.js';
import { migrate } from './migrations.js';
import { plainBox, type SecretBox } from './secret-box.js';
import type { AppRecord, BuildRecord, FormationRecord, ReleaseRecord, SlugRecord, SourceRecord } from './records.js';

export interface StoreOptions {
  /** Database file, or `:memory:` for tests. */
  path: string;
  clock?: Clock;
  /** Seals config vars and private keys at rest; without it they are stored as they are. */
  secrets?: SecretBox;
}

type Row = Record<string, unknown>;

/**
 * The control plane's state in SQLite (WAL, one writer: the control plane). Every method is synchronous:
 * better-sqlite3 is fastest that way, and each method is one statement or one transaction.
 */
export class Store {
  readonly db: Database.Database;
  /** Custom domains and TLS certificates. */
  readonly domains: DomainRepository;
  /** Users, API tokens and app collaborators. */
  readonly users: UserRepository;
  private readonly clock: Clock;
  private readonly secrets: SecretBox;

  constructor(options: StoreOptions) {
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.clock = options.clock ?? systemClock;
    this.secrets = options.secrets ?? plainBox;
    migrate(this.db);
    this.domains = new DomainRepository(this.db, () => this.now(), this.secrets);
    this.users = new UserRepository(this.db, () => this.now());
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /**
   * Seals again every secret not sealed with the current key: values stored before encryption was on,
   * and values under an older key after a rotation. Returns how many values changed.
   */
  resealSecrets(): number {
    const targets: [table: string, column: string][] = [['apps', 'config'], ['releases', 'config'], ['certificates', 'key_pem']];
    return this.transaction(() => {
      let changed = 0;
      for (const [table, column] of targets) {
        const rows = this.db.prepare(`SELECT rowid AS rid, ${column} AS value FROM ${table}`).all() as { rid: number; value: string }[];
        const update = this.db.prepare(`UPDATE ${table} SET ${column} = ? WHERE rowid = ?`);
        for (const row of rows) {
          if (this.secrets.isCurrent(row.value)) continue;
          update.run(this.secrets.seal(this.secrets.open(row.value)), row.rid);
          changed++;
        }
      }
      return changed;
    });
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }

  // ---- apps ----

  createApp(name: string): AppRecord {
    const now = this.now();
    const id = randomUUID();
    try {
      this.db
        .prepare('INSERT INTO apps (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)')
        .run(id, name, now, now);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new PaasError('app_name_taken', `The name ${name} is already taken.`);
      }
      throw err;
    }
    return this.getApp(name);
  }

  findApp(nameOrId: string): AppRecord | undefined {
    const row = this.db.prepare('SELECT * FROM apps WHERE name = ? OR id = ?').get(nameOrId, nameOrId) as Row | undefined;
    return row ? toApp(row, this.secrets) : undefined;
  }

  getApp(nameOrId: string): AppRecord {
    const app = this.findApp(nameOrId);
    if (!app) throw new PaasError('app_not_found', `Couldn't find that app: ${nameOrId}.`);
    return app;
  }

  listApps(): AppRecord[] {
    return (this.db.prepare('SELECT * FROM apps ORDER BY name').all() as Row[]).map((r) => toApp(r, this.secrets));
  }

  deleteApp(id: string): void {
    this.db.prepare('DELETE FROM apps WHERE id = ?').run(id);
  }

  setCurrentRelease(appId: string, releaseId: string): void {
    const now = this.now();
    this.db
      .prepare('UPDATE apps SET current_release_id = ?, released_at = ?, updated_at = ? WHERE id = ?')
      .run(releaseId, now, now, appId);
  }

  setConfig(appId: string, config: Record<string, string>): void {
    this.db.prepare('UPDATE apps SET config = ?, updated_at = ? WHERE id = ?').run(this.secrets.seal(JSON.stringify(config)), this.now(), appId);
  }

  setMaintenance(appId: string, on: boolean): void {
    this.db.prepare('UPDATE apps SET maintenance = ?, updated_at = ? WHERE id = ?').run(on ? 1 : 0, this.now(), appId);
  }

  // ---- sources ----

  createSource(input: Omit<SourceRecord, 'id' | 'createdAt'> & { id?: string }): SourceRecord {
    const record: SourceRecord = { id: input.id ?? randomUUID(), ...input, createdAt: this.now() };
    this.db
      .prepare('INSERT INTO sources (id, app_id, path, size, checksum, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(record.id, record.appId, record.path, record.size, record.checksum, record.createdAt);
    return record;
  }

  findSource(appId: string, id: string): SourceRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sources WHERE app_id = ? AND id = ?').get(appId, id) as Row | undefined;
    return row
      ? { id: s(row.id), appId: s(row.app_id), path: s(row.path), size: n(row.size), checksum: s(row.checksum), createdAt: s(row.created_at) }
      : undefined;
  }

  // ---- slugs ----

  createSlug(input: Omit<SlugRecord, 'id' | 'createdAt' | 'prunedAt'>): SlugRecord {
    const record: SlugRecord = { id: randomUUID(), ...input, createdAt: this.now(), prunedAt: null };
    this.db
      .prepare(
        `INSERT INTO slugs (id, app_id, checksum, path, size, image, process_types, buildpack, stack, commit_sha, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.id, record.appId, record.checksum, record.path, record.size, record.image,
        JSON.stringify(record.processTypes), record.buildpack, record.stack, record.commit, record.createdAt,
      );
    return record;
  }

  findSlug(id: string): SlugRecord | undefined {
    const row = this.db.prepare('SELECT * FROM slugs WHERE id = ?').get(id) as Row | undefined;
    return row ? toSlug(row) : undefined;
  }

  listSlugs(appId: string): SlugRecord[] {
    return (this.db.prepare('SELECT * FROM slugs WHERE app_id = ? ORDER BY created_at').all(appId) as Row[]).map(toSlug);
  }

  /**
   * Points every slug at `<dir>/<sha256>.tgz`. Slugs are content-addressed, so this is where they are
   * whatever path the data directory had when they were built (a moved or restored data directory).
   */
  relocateSlugs(dir: string): number {
    return this.db
      .prepare(`UPDATE slugs SET path = ? || '/' || substr(checksum, 8) || '.tgz' WHERE path != ? || '/' || substr(checksum, 8) || '.tgz'`)
      .run(dir, dir).changes;
  }

  markSlugPruned(id: string): void {
    this.db.prepare('UPDATE slugs SET pruned_at = ? WHERE id = ?').run(this.now(), id);
  }

  // ---- builds ----

  createBuild(input: Pick<BuildRecord, 'appId' | 'sourceId' | 'sourceChecksum' | 'sourceVersion' | 'userEmail'>): BuildRecord {
    const now = this.now();
    const id = randomUUID();
    this.db
      .prepare(
        `INSERT INTO builds (id, app_id, status, source_id, source_checksum, source_version, user_email, created_at, updated_at)
         VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, input.appId, input.sourceId, input.sourceChecksum, input.sourceVersion, input.userEmail, now, now);
    return this.getBuild(input.appId, id);
  }

  updateBuild(id: string, patch: Partial<Pick<BuildRecord, 'status' | 'slugId' | 'releaseId' | 'buildpack' | 'error'>>): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    const put = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      values.push(value);
    };
    if (patch.status !== undefined) put('status', patch.status);
    if (patch.slugId !== undefined) put('slug_id', patch.slugId);
    if (patch.releaseId !== undefined) put('release_id', patch.releaseId);
    if (patch.buildpack !== undefined) put('buildpack', patch.buildpack);
    if (patch.error !== undefined) {
      put('error_id', patch.error?.id ?? null);
      put('error_message', patch.error?.message ?? null);
    }
    put('updated_at', this.now());
    this.db.prepare(`UPDATE builds SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  findBuild(appId: string, id: string): BuildRecord | undefined {
    const row = this.db.prepare('SELECT * FROM builds WHERE app_id = ? AND id = ?').get(appId, id) as Row | undefined;
    return row ? toBuild(row) : undefined;
  }

  getBuild(appId: string, id: string): BuildRecord {
    const build = this.findBuild(appId, id);
    if (!build) throw new PaasError('build_not_found', `Couldn't find build ${id}.`);
    return build;
  }

  listBuilds(appId: string): BuildRecord[] {
    return (this.db.prepare('SELECT * FROM builds WHERE app_id = ? ORDER BY created_at, rowid').all(appId) as Row[]).map(toBuild);
  }

  /** Builds and releases left pending by a control plane that stopped; they can never finish. */
  failInterrupted(reason: string): { builds: number; releases: number } {
    const now = this.now();
    return this.transaction(() => {
      const builds = this.db
        .prepare(`UPDATE builds SET status = 'failed', error_id = 'internal_error', error_message = ?, updated_at = ? WHERE status = 'pending'`)
        .run(reason, now).changes;
      const releases = this.db
        .prepare(`UPDATE releases SET status = 'failed', failure_reason = ?, updated_at = ? WHERE status = 'pending'`)
        .run(reason, now).changes;
      return { builds, releases };
    });
  }

  // ---- releases ----

  /** Allocates the app's next version atomically: versions are never reused, even after failures. */
  createRelease(
    input: Pick<ReleaseRecord, 'appId' | 'slugId' | 'config' | 'description' | 'userEmail'> & { status?: ReleaseRecord['status'] },
  ): ReleaseRecord {
    return this.transaction(() => {
      const now = this.now();
      const seq = this.db
        .prepare('UPDATE apps SET release_seq = release_seq + 1 WHERE id = ? RETURNING release_seq')
        .get(input.appId) as { release_seq: number } | undefined;
      if (!seq) throw new PaasError('app_not_found', `Couldn't find that app: ${input.appId}.`);
      const id = randomUUID();
      this.db
        .prepare(
          `INSERT INTO releases (id, app_id, version, slug_id, config, description, status, user_email, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, input.appId, seq.release_seq, input.slugId, this.secrets.seal(JSON.stringify(input.config)), input.description,
          input.status ?? 'pending', input.userEmail, now, now);
      return this.getRelease(input.appId, id);
    });
  }

  setReleaseStatus(id: string, status: ReleaseRecord['status'], failureReason: string | null = null): void {
    this.db
      .prepare('UPDATE releases SET status = ?, failure_reason = ?, updated_at = ? WHERE id = ?')
      .run(status, failureReason, this.now(), id);
  }

  /** By id, or by version given as a number or `v12`. */
  findRelease(appId: string, idOrVersion: string | number): ReleaseRecord | undefined {
    const version = typeof idOrVersion === 'number' ? idOrVersion : /^v?\d+$/.test(idOrVersion) ? Number(idOrVersion.replace(/^v/, '')) : undefined;
    const row = (version !== undefined
      ? this.db.prepare('SELECT * FROM releases WHERE app_id = ? AND version = ?').get(appId, version)
      : this.db.prepare('SELECT * FROM releases WHERE app_id = ? AND id = ?').get(appId, idOrVersion)) as Row | undefined;
    return row ? toRelease(row, this.secrets) : undefined;
  }

  getRelease(appId: string, idOrVersion: string | number): ReleaseRecord {
    const release = this.findRelease(appId, idOrVersion);
    if (!release) throw new PaasError('release_not_found', `Couldn't find release ${String(idOrVersion)}.`);
    return release;
  }

  listReleases(appId: string): ReleaseRecord[] {
    return (this.db.prepare('SELECT * FROM releases WHERE app_id = ? ORDER BY version').all(appId) as Row[]).map((r) => toRelease(r, this.secrets));
  }

  // ---- formation ----

  listFormation(appId: string): FormationRecord[] {
    return (this.db.prepare('SELECT * FROM formation WHERE app_id = ? ORDER BY type').all(appId) as Row[]).map((row) => ({
      appId: s(row.app_id),
      type: s(row.type),
      quantity: n(row.quantity),
      size: s(row.size),
      updatedAt: s(row.updated_at),
    }));
  }

  setFormation(appId: string, type: string, quantity: number, size: string): void {
    this.db
      .prepare(
        `INSERT INTO formation (app_id, type, quantity, size, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (app_id, type) DO UPDATE SET quantity = excluded.quantity, size = excluded.size, updated_at = excluded.updated_at`,
      )
      .run(appId, type, quantity, size, this.now());
  }
}

export function createStore(options: StoreOptions): Store {
  return new Store(options);
}

const s = (v: unknown): string => v as string;
const n = (v: unknown): number => Number(v);
const ns = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toApp(row: Row, secrets: SecretBox): AppRecord {
  return {
    id: s(row.id),
    name: s(row.name),
    config: JSON.parse(secrets.open(s(row.config))) as Record<string, string>,
    currentReleaseId: ns(row.current_release_id),
    releasedAt: ns(row.released_at),
    maintenance: row.maintenance === 1,
    createdAt: s(row.created_at),
    updatedAt: s(row.updated_at),
  };
}

function toSlug(row: Row): SlugRecord {
  return {
    id: s(row.id),
    appId: s(row.app_id),
    checksum: s(row.checksum),
    path: s(row.path),
    size: n(row.size),
    image: s(row.image),
    processTypes: JSON.parse(s(row.process_types)) as Record<string, string>,
    buildpack: ns(row.buildpack),
    stack: s(row.stack),
    commit: ns(row.commit_sha),
    createdAt: s(row.created_at),
    prunedAt: ns(row.pruned_at),
  };
}

function toBuild(row: Row): BuildRecord {
  return {
    id: s(row.id),
    appId: s(row.app_id),
    status: s(row.status) as BuildRecord['status'],
    sourceId: s(row.source_id),
    sourceChecksum: s(row.source_checksum),
    sourceVersion: ns(row.source_version),
    slugId: ns(row.slug_id),
    releaseId: ns(row.release_id),
    buildpack: ns(row.buildpack),
    error: row.error_id ? { id: s(row.error_id), message: s(row.error_message ?? '') } : null,
    userEmail: s(row.user_email),
    createdAt: s(row.created_at),
    updatedAt: s(row.updated_at),
  };
}

function toRelease(row: Row, secrets: SecretBox): ReleaseRecord {
  return {
    id: s(row.id),
    appId: s(row.app_id),
    version: n(row.version),
    slugId: ns(row.slug_id),
    config: JSON.parse(secrets.open(s(row.config))) as Record<string, string>,
    description: s(row.description),
    status: s(row.status) as ReleaseRecord['status'],
    failureReason: ns(row.failure_reason),
    userEmail: s(row.user_email),
    createdAt: s(row.created_at),
    updatedAt: s(row.updated_at),
  };
}

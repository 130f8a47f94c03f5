import type Database from 'better-sqlite3';

/**
 * Versioned schema migrations, applied in order at open. The schema version lives in SQLite's
 * `user_version`, so a newer control plane upgrades an older data directory in place. Never edit a
 * migration that has shipped; add a new one.
 */
export const MIGRATIONS: readonly ((db: Database.Database) => void)[] = [
  // 1: apps, sources, builds, slugs, releases, formation
  (db) => {
    db.exec(`
      CREATE TABLE apps (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        config TEXT NOT NULL DEFAULT '{}',
        current_release_id TEXT,
        released_at TEXT,
        release_seq INTEGER NOT NULL DEFAULT 0,
        maintenance INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        checksum TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE slugs (
        id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        checksum TEXT NOT NULL,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        image TEXT NOT NULL,
        process_types TEXT NOT NULL,
        buildpack TEXT,
        stack TEXT NOT NULL,
        commit_sha TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TABLE builds (
        id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        source_id TEXT NOT NULL,
        source_checksum TEXT NOT NULL,
        source_version TEXT,
        slug_id TEXT,
        release_id TEXT,
        buildpack TEXT,
        error_id TEXT,
        error_message TEXT,
        user_email TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX builds_app ON builds(app_id, created_at);
      CREATE TABLE releases (
        id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        slug_id TEXT,
        config TEXT NOT NULL,
        description TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        failure_reason TEXT,
        user_email TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (app_id, version)
      );
      CREATE TABLE formation (
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        type TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity >= 0),
        size TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (app_id, type)
      );
    `);
  },
  // 2: custom domains and TLS certificates (SNI endpoints)
  (db) => {
    db.exec(`
      CREATE TABLE domains (
        id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        hostname TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      );
      CREATE INDEX domains_app ON domains(app_id);
      CREATE TABLE certificates (
        id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        cert_pem TEXT NOT NULL,
        key_pem TEXT NOT NULL,
        names TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (app_id, name)
      );
    `);
  },
  // 3: slugs pruned by the retention policy keep their row (releases refer to them), not their files
  (db) => {
    db.exec(`ALTER TABLE slugs ADD COLUMN pruned_at TEXT`);
  },
  // 4: users, their API tokens (hashes only), and who may use which app
  (db) => {
    db.exec(`
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT,
        admin INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
      );
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_used_at TEXT
      );
      CREATE TABLE collaborators (
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('owner', 'collaborator')),
        created_at TEXT NOT NULL,
        PRIMARY KEY (app_id, user_id)
      );
      CREATE INDEX collaborators_user ON collaborators(user_id);
    `);
  },
];

export function migrate(db: Database.Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > MIGRATIONS.length) {
    throw new Error(
      `The database schema (version ${from}) is newer than this paasd understands (${MIGRATIONS.length}); upgrade paasd.`,
    );
  }
  for (let v = from; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      MIGRATIONS[v]!(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return { from, to: MIGRATIONS.length };
}

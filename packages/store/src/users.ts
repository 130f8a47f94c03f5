import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { PaasError } from '@paas/core';
import type { AppRole, CollaboratorRecord, UserRecord } from './records.js';

type Row = Record<string, unknown>;

/** Users, their API tokens (stored as SHA-256 hashes only) and app collaborators. */
export class UserRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => string,
  ) {}

  create(input: { email: string; passwordHash: string | null; admin: boolean }): UserRecord {
    const record: UserRecord = { id: randomUUID(), ...input, createdAt: this.now() };
    try {
      this.db
        .prepare('INSERT INTO users (id, email, password_hash, admin, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(record.id, record.email, record.passwordHash, record.admin ? 1 : 0, record.createdAt);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new PaasError('conflict', `A user ${input.email} already exists.`);
      throw err;
    }
    return record;
  }

  findByEmail(email: string): UserRecord | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE email = ?').get(email) as Row | undefined;
    return row ? toUser(row) : undefined;
  }

  find(id: string): UserRecord | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return row ? toUser(row) : undefined;
  }

  list(): UserRecord[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY email').all() as Row[]).map(toUser);
  }

  setPassword(id: string, passwordHash: string): void {
    this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, id);
  }

  addToken(userId: string, tokenHash: string, description: string): string {
    const id = randomUUID();
    this.db
      .prepare('INSERT INTO api_tokens (id, user_id, token_hash, description, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, userId, tokenHash, description, this.now());
    return id;
  }

  /** The user a token hash belongs to; marks the token used. */
  findByTokenHash(tokenHash: string): UserRecord | undefined {
    const row = this.db
      .prepare('SELECT u.*, t.id AS token_id FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?')
      .get(tokenHash) as Row | undefined;
    if (!row) return undefined;
    this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(this.now(), row.token_id);
    return toUser(row);
  }

  deleteToken(tokenHash: string): boolean {
    return this.db.prepare('DELETE FROM api_tokens WHERE token_hash = ?').run(tokenHash).changes > 0;
  }

  // ---- collaborators ----

  setRole(appId: string, userId: string, role: AppRole): void {
    this.db
      .prepare(
        `INSERT INTO collaborators (app_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (app_id, user_id) DO UPDATE SET role = excluded.role`,
      )
      .run(appId, userId, role, this.now());
  }

  removeCollaborator(appId: string, userId: string): boolean {
    return this.db.prepare(`DELETE FROM collaborators WHERE app_id = ? AND user_id = ? AND role = 'collaborator'`).run(appId, userId).changes > 0;
  }

  role(appId: string, userId: string): AppRole | undefined {
    const row = this.db.prepare('SELECT role FROM collaborators WHERE app_id = ? AND user_id = ?').get(appId, userId) as { role: AppRole } | undefined;
    return row?.role;
  }

  collaborators(appId: string): CollaboratorRecord[] {
    return (
      this.db
        .prepare('SELECT c.*, u.email FROM collaborators c JOIN users u ON u.id = c.user_id WHERE c.app_id = ? ORDER BY c.role DESC, u.email')
        .all(appId) as Row[]
    ).map((r) => ({ appId: String(r.app_id), userId: String(r.user_id), email: String(r.email), role: r.role as AppRole, createdAt: String(r.created_at) }));
  }

  /** Ids of the apps the user owns or collaborates on. */
  appIds(userId: string): Set<string> {
    return new Set((this.db.prepare('SELECT app_id FROM collaborators WHERE user_id = ?').all(userId) as { app_id: string }[]).map((r) => r.app_id));
  }

  /** Apps with no owner (made before users existed) get one. */
  adoptOrphanApps(ownerId: string): number {
    return this.db
      .prepare(
        `INSERT INTO collaborators (app_id, user_id, role, created_at)
         SELECT a.id, ?, 'owner', ? FROM apps a
         WHERE NOT EXISTS (SELECT 1 FROM collaborators c WHERE c.app_id = a.id AND c.role = 'owner')`,
      )
      .run(ownerId, this.now()).changes;
  }
}

function toUser(row: Row): UserRecord {
  return {
    id: String(row.id),
    email: String(row.email),
    passwordHash: row.password_hash === null ? null : String(row.password_hash),
    admin: row.admin === 1,
    createdAt: String(row.created_at),
  };
}

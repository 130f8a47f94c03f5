import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { PaasError } from '@paas/core';
import type { CertificateRecord, DomainRecord } from './records.js';
import type { SecretBox } from './secret-box.js';

type Row = Record<string, unknown>;

/** Custom domains and certificates of apps: the router's host names and SNI certificates. */
export class DomainRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => string,
    private readonly secrets: SecretBox,
  ) {}

  add(appId: string, hostname: string): DomainRecord {
    const record: DomainRecord = { id: randomUUID(), appId, hostname, createdAt: this.now() };
    try {
      this.db.prepare('INSERT INTO domains (id, app_id, hostname, created_at) VALUES (?, ?, ?, ?)').run(record.id, appId, hostname, record.createdAt);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new PaasError('domain_taken', `${hostname} is already added to an app. A domain belongs to one app only.`);
      }
      throw err;
    }
    return record;
  }

  remove(appId: string, hostname: string): boolean {
    return this.db.prepare('DELETE FROM domains WHERE app_id = ? AND hostname = ?').run(appId, hostname).changes > 0;
  }

  list(appId: string): DomainRecord[] {
    return (this.db.prepare('SELECT * FROM domains WHERE app_id = ? ORDER BY hostname').all(appId) as Row[]).map(toDomain);
  }

  count(appId: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM domains WHERE app_id = ?').get(appId) as { n: number }).n;
  }

  addCertificate(input: Omit<CertificateRecord, 'id' | 'createdAt'>): CertificateRecord {
    const record: CertificateRecord = { id: randomUUID(), ...input, createdAt: this.now() };
    try {
      this.db
        .prepare('INSERT INTO certificates (id, app_id, name, cert_pem, key_pem, names, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(record.id, record.appId, record.name, record.certPem, this.secrets.seal(record.keyPem), JSON.stringify(record.names), record.expiresAt, record.createdAt);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new PaasError('conflict', `The app already has a certificate named ${input.name}.`);
      }
      throw err;
    }
    return record;
  }

  removeCertificate(appId: string, idOrName: string): boolean {
    return this.db.prepare('DELETE FROM certificates WHERE app_id = ? AND (id = ? OR name = ?)').run(appId, idOrName, idOrName).changes > 0;
  }

  listCertificates(appId: string): CertificateRecord[] {
    return (this.db.prepare('SELECT * FROM certificates WHERE app_id = ? ORDER BY created_at, name').all(appId) as Row[]).map((r) => toCertificate(r, this.secrets));
  }
}

function toDomain(row: Row): DomainRecord {
  return { id: String(row.id), appId: String(row.app_id), hostname: String(row.hostname), createdAt: String(row.created_at) };
}

function toCertificate(row: Row, secrets: SecretBox): CertificateRecord {
  return {
    id: String(row.id),
    appId: String(row.app_id),
    name: String(row.name),
    certPem: String(row.cert_pem),
    keyPem: secrets.open(String(row.key_pem)),
    names: JSON.parse(String(row.names)) as string[],
    expiresAt: String(row.expires_at),
    createdAt: String(row.created_at),
  };
}

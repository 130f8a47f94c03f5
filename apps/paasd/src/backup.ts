import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { create as createTar, extract as extractTar } from 'tar';
import { MIGRATIONS } from '@paas/store';

/** What a backup holds besides the files: enough to refuse a mismatch with a clear message. */
interface Manifest {
  format: 1;
  createdAt: string;
  schemaVersion: number;
  slugs: string[];
}

const DB_FILE = 'paas.db';
/**
 * Files of the data directory that travel with a backup besides the database and slugs: the admin token,
 * the key that seals secrets in the database (keep backups private), and the apps' log drains.
 */
const EXTRA_FILES = ['admin-token', 'secrets.key', 'logs/drains.json'];

/**
 * Writes a consistent snapshot of the platform while it runs: SQLite's online backup of the database
 * (a transactionally consistent copy, WAL included) and every slug a release still refers to.
 */
export async function backup(dataDir: string, file: string): Promise<{ slugs: number }> {
  const work = mkdtempSync(join(dirname(file), '.paas-backup-'));
  try {
    const source = new Database(join(dataDir, DB_FILE), { readonly: true, fileMustExist: true });
    try {
      await source.backup(join(work, DB_FILE));
    } finally {
      source.close();
    }
    const copy = new Database(join(work, DB_FILE), { readonly: true });
    const slugFiles = (copy.prepare('SELECT DISTINCT s.checksum FROM slugs s JOIN releases r ON r.slug_id = s.id').all() as { checksum: string }[])
      .map((r) => `${r.checksum.replace(/^SHA256:/, '')}.tgz`)
      .filter((f) => existsSync(join(dataDir, 'slugs', f)));
    const schemaVersion = copy.pragma('user_version', { simple: true }) as number;
    copy.close();
    const manifest: Manifest = { format: 1, createdAt: new Date().toISOString(), schemaVersion, slugs: slugFiles };
    writeFileSync(join(work, 'manifest.json'), JSON.stringify(manifest, null, 2));
    mkdirSync(join(work, 'slugs'));
    for (const f of slugFiles) writeFileSync(join(work, 'slugs', f), await readFile(join(dataDir, 'slugs', f)));
    for (const f of EXTRA_FILES) {
      if (!existsSync(join(dataDir, f))) continue;
      mkdirSync(dirname(join(work, f)), { recursive: true });
      writeFileSync(join(work, f), await readFile(join(dataDir, f)), { mode: 0o600 });
    }
    const entries = readdirSync(work);
    const tmp = `${file}.partial`;
    await createTar({ gzip: true, cwd: work, file: tmp, portable: true }, entries);
    renameSync(tmp, file);
    return { slugs: slugFiles.length };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Restores a backup into a data directory that has no database yet (a fresh machine). The next start of
 * paasd rebuilds the dyno images from the slugs and starts every app's formation at its current release.
 */
export async function restore(dataDir: string, file: string): Promise<{ slugs: number; apps: number }> {
  if (existsSync(join(dataDir, DB_FILE))) {
    throw new Error(`${join(dataDir, DB_FILE)} exists: restore only into an empty data directory (move the old one away first).`);
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const work = mkdtempSync(join(dataDir, '.restore-'));
  try {
    await extractTar({ file, cwd: work, strict: true });
    const manifest = JSON.parse(await readFile(join(work, 'manifest.json'), 'utf8')) as Manifest;
    if (manifest.format !== 1) throw new Error(`${basename(file)} is not a paas backup this version can read.`);
    if (manifest.schemaVersion > MIGRATIONS.length) {
      throw new Error(`The backup's database (schema ${manifest.schemaVersion}) is newer than this paasd (${MIGRATIONS.length}); upgrade paasd first.`);
    }
    mkdirSync(join(dataDir, 'slugs'), { recursive: true, mode: 0o700 });
    for (const f of manifest.slugs) renameSync(join(work, 'slugs', f), join(dataDir, 'slugs', f));
    for (const f of EXTRA_FILES) {
      if (!existsSync(join(work, f))) continue;
      mkdirSync(dirname(join(dataDir, f)), { recursive: true, mode: 0o700 });
      renameSync(join(work, f), join(dataDir, f));
    }
    // Slug paths are absolute; the data directory may live elsewhere on the new machine.
    const db = new Database(join(work, DB_FILE));
    db.prepare(`UPDATE slugs SET path = ? || '/slugs/' || substr(checksum, 8) || '.tgz'`).run(dataDir);
    const apps = (db.prepare('SELECT COUNT(*) AS n FROM apps').get() as { n: number }).n;
    db.close();
    renameSync(join(work, DB_FILE), join(dataDir, DB_FILE));
    return { slugs: manifest.slugs.length, apps };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from '@paas/store';
import { backup, restore } from './backup.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'paas-backup-'));
  dirs.push(d);
  return d;
};

describe('backup and restore', () => {
  it('round-trips the database and the referenced slugs into another data directory, while the store is open', async () => {
    const source = temp();
    mkdirSync(join(source, 'slugs'));
    writeFileSync(join(source, 'admin-token'), 'secret-token\n');
    const store = createStore({ path: join(source, 'paas.db') });
    const app = store.createApp('kept');
    const used = 'a'.repeat(64);
    const unused = 'b'.repeat(64);
    writeFileSync(join(source, 'slugs', `${used}.tgz`), 'slug bytes');
    writeFileSync(join(source, 'slugs', `${unused}.tgz`), 'orphan');
    const slug = store.createSlug({ appId: app.id, checksum: `SHA256:${used}`, path: join(source, 'slugs', `${used}.tgz`), size: 10, image: 'i', processTypes: { web: 'x' }, buildpack: null, stack: 's', commit: null });
    const release = store.createRelease({ appId: app.id, slugId: slug.id, config: { A: '1' }, description: 'Deploy', userEmail: 'u', status: 'succeeded' });
    store.setCurrentRelease(app.id, release.id);
    store.setFormation(app.id, 'web', 2, 'basic');

    const file = join(temp(), 'platform.tgz');
    expect(await backup(source, file)).toEqual({ slugs: 1 });
    store.createApp('after-backup'); // not in the snapshot
    store.close();

    const target = join(temp(), 'new-data');
    expect(await restore(target, file)).toEqual({ apps: 1, slugs: 1 });
    expect(readFileSync(join(target, 'slugs', `${used}.tgz`), 'utf8')).toBe('slug bytes');
    expect(existsSync(join(target, 'slugs', `${unused}.tgz`))).toBe(false);
    expect(readFileSync(join(target, 'admin-token'), 'utf8')).toBe('secret-token\n');
    const restored = createStore({ path: join(target, 'paas.db') });
    const back = restored.getApp('kept');
    expect(back.currentReleaseId).toBe(release.id);
    expect(restored.listFormation(back.id)).toMatchObject([{ type: 'web', quantity: 2 }]);
    expect(restored.findSlug(slug.id)?.path).toBe(join(target, 'slugs', `${used}.tgz`));
    expect(restored.findApp('after-backup')).toBeUndefined();
    restored.close();
  });

  it('refuses to restore over an existing database', async () => {
    const data = temp();
    new Database(join(data, 'paas.db')).close();
    await expect(restore(data, join(data, 'x.tgz'))).rejects.toThrow(/restore only into an empty data directory/);
  });
});

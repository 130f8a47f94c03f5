import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from '@paas/store';
import { SECRET_KEY_FILE, loadSecretKeys, rotateSecretKey, secretBox } from './secret-keys.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('secret key file', () => {
  it('is created once with mode 0600 and a 32-byte key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paas-keys-'));
    dirs.push(dir);
    const [first] = loadSecretKeys(dir);
    expect(first?.key.length).toBe(32);
    expect(statSync(join(dir, SECRET_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(loadSecretKeys(dir)[0]?.id).toBe(first?.id);
  });

  it('rotates: a new key, every secret resealed, the old key gone, values intact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paas-keys-'));
    dirs.push(dir);
    const db = join(dir, 'paas.db');
    const before = loadSecretKeys(dir)[0]!.id;
    let store = createStore({ path: db, secrets: secretBox(dir) });
    const app = store.createApp('rotated');
    store.setConfig(app.id, { TOKEN: 'abc' });
    store.close();
    expect(rotateSecretKey(dir, (box) => createStore({ path: db, secrets: box }))).toEqual({ resealed: 1 });
    const keys = JSON.parse(readFileSync(join(dir, SECRET_KEY_FILE), 'utf8')).keys;
    expect(keys).toHaveLength(1);
    expect(keys[0].id).not.toBe(before);
    store = createStore({ path: db, secrets: secretBox(dir) });
    expect(store.getApp('rotated').config).toEqual({ TOKEN: 'abc' });
    store.close();
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAesGcmBox } from './secret-box.js';
import { createStore } from './store.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const key = (id: string) => ({ id, key: randomBytes(32) });

describe('AES-GCM secret box', () => {
  it('seals with a fresh IV each time, opens, and refuses tampering and unknown keys', () => {
    const k1 = key('k1');
    const box = createAesGcmBox([k1]);
    const a = box.seal('secret value');
    expect(a).toMatch(/^enc:v1:k1:/);
    expect(box.seal('secret value')).not.toBe(a);
    expect(box.open(a)).toBe('secret value');
    const tampered = a.slice(0, -4) + (a.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => box.open(tampered)).toThrow();
    expect(() => createAesGcmBox([key('k2')]).open(a)).toThrow(/unknown key \(k1\)/);
    expect(box.open('{"legacy":"plain"}')).toBe('{"legacy":"plain"}');
  });
});

describe('Store with secrets sealed at rest', () => {
  it('keeps config values and private keys out of the database file, and reseals after a key rotation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paas-secrets-'));
    dirs.push(dir);
    const path = join(dir, 'paas.db');
    const marker = 'very-secret-marker-7f3a';
    const old = key('old');
    let store = createStore({ path, secrets: createAesGcmBox([old]) });
    const app = store.createApp('sealed');
    store.setConfig(app.id, { DATABASE_URL: `postgres://u:${marker}@db` });
    store.createRelease({ appId: app.id, slugId: null, config: { DATABASE_URL: marker }, description: 'x', userEmail: 'u' });
    store.domains.addCertificate({ appId: app.id, name: 'c', certPem: 'CERT', keyPem: `KEY-${marker}`, names: ['x'], expiresAt: 'x' });
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(path).includes(Buffer.from(marker))).toBe(false);
    store.close();

    const fresh = key('new');
    store = createStore({ path, secrets: createAesGcmBox([fresh, old]) });
    expect(store.resealSecrets()).toBe(3); // the app's config, the release's config, the certificate's key
    expect(store.getApp('sealed').config.DATABASE_URL).toContain(marker);
    store.close();

    store = createStore({ path, secrets: createAesGcmBox([fresh]) }); // the old key is gone now
    expect(store.listReleases(app.id)[0]?.config).toEqual({ DATABASE_URL: marker });
    expect(store.domains.listCertificates(app.id)[0]?.keyPem).toBe(`KEY-${marker}`);
    expect(store.resealSecrets()).toBe(0);
    store.close();
  });
});

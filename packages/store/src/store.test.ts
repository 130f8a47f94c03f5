import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isPaasError } from '@paas/core';
import { MIGRATIONS } from './migrations.js';
import { createStore, type Store } from './store.js';

let store: Store;
afterEach(() => store?.close());

const slugInput = (appId: string) => ({
  appId,
  checksum: 'SHA256:ab',
  path: '/slugs/ab.tgz',
  size: 10,
  image: 'paas-slug/a:ab',
  processTypes: { web: 'node server.js' },
  buildpack: 'Node.js',
  stack: 'paas-bookworm',
  commit: null,
});

describe('Store', () => {
  it('refuses a second app with the same name', () => {
    store = createStore({ path: ':memory:' });
    store.createApp('myapp');
    expect(() => store.createApp('myapp')).toThrow(expect.objectContaining({ code: 'app_name_taken' }));
  });

  it('gives app-local release versions that are never reused', () => {
    store = createStore({ path: ':memory:' });
    const a = store.createApp('app-a');
    const b = store.createApp('app-b');
    const base = { slugId: null, config: {}, description: 'x', userEmail: 'u@x' };
    expect(store.createRelease({ appId: a.id, ...base }).version).toBe(1);
    const failed = store.createRelease({ appId: a.id, ...base });
    store.setReleaseStatus(failed.id, 'failed', 'boom');
    expect(store.createRelease({ appId: a.id, ...base }).version).toBe(3);
    expect(store.createRelease({ appId: b.id, ...base }).version).toBe(1);
    expect(store.getRelease(a.id, 'v2')).toMatchObject({ status: 'failed', failureReason: 'boom' });
    expect(store.getRelease(a.id, 2).id).toBe(failed.id);
    expect(() => store.getRelease(a.id, 'v9')).toThrow(expect.objectContaining({ code: 'release_not_found' }));
  });

  it('keeps the config snapshot of each release apart from the app config', () => {
    store = createStore({ path: ':memory:' });
    const app = store.createApp('app-c');
    store.setConfig(app.id, { A: '1' });
    const slug = store.createSlug(slugInput(app.id));
    const r = store.createRelease({ appId: app.id, slugId: slug.id, config: { A: '1' }, description: 'Deploy', userEmail: 'u' });
    store.setConfig(app.id, { A: '2', B: 'x\ny=z' });
    expect(store.getRelease(app.id, r.id).config).toEqual({ A: '1' });
    expect(store.getApp('app-c').config).toEqual({ A: '2', B: 'x\ny=z' });
    expect(store.findSlug(slug.id)?.processTypes).toEqual({ web: 'node server.js' });
  });

  it('fails builds and releases left pending by a stopped control plane', () => {
    store = createStore({ path: ':memory:' });
    const app = store.createApp('app-d');
    const build = store.createBuild({ appId: app.id, sourceId: 's', sourceChecksum: 'c', sourceVersion: null, userEmail: 'u' });
    const rel = store.createRelease({ appId: app.id, slugId: null, config: {}, description: 'x', userEmail: 'u' });
    expect(store.failInterrupted('interrupted')).toEqual({ builds: 1, releases: 1 });
    expect(store.getBuild(app.id, build.id)).toMatchObject({ status: 'failed', error: { id: 'internal_error', message: 'interrupted' } });
    expect(store.getRelease(app.id, rel.id).status).toBe('failed');
  });

  it('deleting an app removes its rows', () => {
    store = createStore({ path: ':memory:' });
    const app = store.createApp('app-e');
    store.setFormation(app.id, 'web', 2, 'basic');
    store.createSlug(slugInput(app.id));
    store.deleteApp(app.id);
    expect(store.listFormation(app.id)).toEqual([]);
    expect(store.listSlugs(app.id)).toEqual([]);
    expect(store.findApp('app-e')).toBeUndefined();
  });

  it('gives a domain to one app only and drops an app\'s domains and certificates with it', () => {
    store = createStore({ path: ':memory:' });
    const a = store.createApp('dom-a');
    const b = store.createApp('dom-b');
    store.domains.add(a.id, 'www.example.com');
    store.domains.add(a.id, '*.example.org');
    expect(() => store.domains.add(b.id, 'www.example.com')).toThrow(expect.objectContaining({ code: 'domain_taken' }));
    expect(store.domains.list(a.id).map((d) => d.hostname)).toEqual(['*.example.org', 'www.example.com']);
    expect(store.domains.remove(b.id, 'www.example.com')).toBe(false);
    store.domains.addCertificate({ appId: a.id, name: 'cert-1', certPem: 'C', keyPem: 'K', names: ['www.example.com'], expiresAt: 'x' });
    store.deleteApp(a.id);
    expect(store.domains.list(a.id)).toEqual([]);
    expect(store.domains.listCertificates(a.id)).toEqual([]);
    store.domains.add(b.id, 'www.example.com');
  });

  describe('migrations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paas-store-'));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('upgrades a database of an older schema and refuses a newer one', () => {
      const path = join(dir, 'old.db');
      const old = new Database(path);
      old.pragma(`user_version = 0`);
      old.close();
      store = createStore({ path });
      expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      store.close();
      const newer = new Database(path);
      newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
      newer.close();
      try {
        createStore({ path });
        expect.unreachable();
      } catch (err) {
        expect(isPaasError(err)).toBe(false);
        expect(String(err)).toMatch(/newer than this paasd understands/);
      }
    });
  });
});

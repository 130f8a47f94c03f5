import { describe, expect, it } from 'vitest';
import { silentLogger, type RouteBackend } from '@paas/core';
import { FakeClock } from '@paas/core/testing';
import { createStore } from '@paas/store';
import { RoutePublisher } from './route-publisher.js';

function setup() {
  const clock = new FakeClock();
  const store = createStore({ path: ':memory:', clock });
  const backends = new Map<string, RouteBackend[]>();
  const crashed = new Set<string>();
  const dynos = { backends: (id: string) => backends.get(id) ?? [], isCrashed: (id: string) => crashed.has(id) };
  const publisher = new RoutePublisher({
    store,
    dynos,
    clock,
    logger: silentLogger,
    options: { domain: 'example.test', syncTimeoutMs: 10_000, routerStaleMs: 60_000 },
  });
  /** A router's poll that acknowledges `version` and returns at once. */
  const ack = (router: string, version: number) => {
    const poll = publisher.poll(router, version, 0, new AbortController().signal);
    clock.advance(0);
    return poll;
  };
  return { clock, store, backends, crashed, publisher, ack };
}

describe('RoutePublisher', () => {
  it('derives each app state and its hosts from the store and the dynos', () => {
    const { store, backends, crashed, publisher } = setup();
    const blank = store.createApp('blank');
    const up = store.createApp('upapp');
    const down = store.createApp('crashy');
    const zero = store.createApp('scaled-zero');
    const maint = store.createApp('maint');
    const configOnly = store.createApp('config-only');
    store.setCurrentRelease(configOnly.id, store.createRelease({ appId: configOnly.id, slugId: null, config: { A: '1' }, description: 'x', userEmail: 'u' }).id);
    for (const app of [up, down, zero, maint]) {
      const slug = store.createSlug({ appId: app.id, checksum: 'c', path: 'p', size: 1, image: 'i', processTypes: { web: 'w' }, buildpack: null, stack: 's', commit: null });
      const r = store.createRelease({ appId: app.id, slugId: slug.id, config: {}, description: 'x', userEmail: 'u' });
      store.setCurrentRelease(app.id, r.id);
      store.setFormation(app.id, 'web', app === zero ? 0 : 1, 'basic');
    }
    store.setMaintenance(maint.id, true);
    backends.set(up.id, [{ dyno: 'web.1', host: '10.0.0.2', port: 5000 }]);
    crashed.add(down.id);
    const table = publisher.refresh();
    const byApp = Object.fromEntries(table.apps.map((a) => [a.app, a]));
    expect(byApp.blank).toMatchObject({ state: 'blank', hosts: ['blank.example.test'], backends: [] });
    expect(byApp['config-only']?.state).toBe('blank');
    expect(byApp.upapp).toMatchObject({ state: 'up', backends: [{ dyno: 'web.1', host: '10.0.0.2', port: 5000 }] });
    expect(byApp.crashy?.state).toBe('crashed');
    expect(byApp['scaled-zero']?.state).toBe('no_web_dynos');
    expect(byApp.maint?.state).toBe('maintenance');
    void blank;
  });

  it('bumps the version only when the table changes', () => {
    const { store, publisher } = setup();
    const v0 = publisher.table().version;
    expect(publisher.refresh().version).toBe(v0);
    store.createApp('newapp');
    expect(publisher.refresh().version).toBeGreaterThan(v0);
  });

  it('answers a poll at once when the router is behind, else when the table changes, else null after the wait', async () => {
    const { clock, store, publisher } = setup();
    const v = publisher.table().version;
    const signal = new AbortController().signal;
    await expect(publisher.poll('r1', 0, 1000, signal)).resolves.toMatchObject({ version: v });

    const waiting = publisher.poll('r1', v, 25_000, signal);
    store.createApp('another');
    publisher.refresh();
    await expect(waiting).resolves.toMatchObject({ version: publisher.table().version });

    const idle = publisher.poll('r1', publisher.table().version, 25_000, signal);
    clock.advance(25_000);
    await expect(idle).resolves.toBeNull();
  });

  it('sync resolves once every live router has acknowledged the new version', async () => {
    const { store, publisher, ack } = setup();
    const v1 = publisher.table().version;
    await ack('r1', v1);
    await ack('r2', v1);
    store.createApp('changed');
    let synced = false;
    const sync = publisher.sync().then(() => (synced = true));
    const v2 = publisher.table().version;
    expect(v2).toBeGreaterThan(v1);
    await ack('r1', v2);
    await Promise.resolve();
    expect(synced).toBe(false);
    await ack('r2', v2);
    await sync;
    expect(synced).toBe(true);
  });

  it('sync stops waiting for a router that left', async () => {
    const { store, publisher, ack } = setup();
    await ack('stays', publisher.table().version);
    await ack('leaves', publisher.table().version);
    store.createApp('changed');
    let synced = false;
    const sync = publisher.sync().then(() => (synced = true));
    await ack('stays', publisher.table().version);
    await Promise.resolve();
    expect(synced).toBe(false);
    publisher.forget('leaves');
    await sync;
    expect(synced).toBe(true);
    expect(publisher.routerInfo().map((r) => r.id)).toEqual(['stays']);
  });

  it('sync gives up after its timeout when a router never confirms, and ignores stale routers', async () => {
    const { clock, store, publisher } = setup();
    const signal = new AbortController().signal;
    const poll = publisher.poll('gone', publisher.table().version, 0, signal);
    clock.advance(0);
    await poll;
    store.createApp('changed');
    const sync = publisher.sync();
    clock.advance(10_000);
    await sync;
    clock.advance(60_000); // the silent router is now stale
    store.createApp('changed-again');
    await publisher.sync(); // resolves at once: no live router to wait for
  });
});

import { isPaasError } from '@paas/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { APP_ID, advance, appSpec, createHarness, idle, type Harness } from './manager.harness.js';

let h: Harness;
afterEach(async () => {
  await h.manager.close();
});

/** Container name → `web.1@rel-2`, for reading `FakeRuntime.calls`. */
function describeCall(call: string): string {
  const [op, name] = call.split(/:(.*)/s);
  const c = [...h.runtime.containers.values()].find((x) => x.info.name === name);
  const dyno = name?.split('-')[2];
  const release = c?.info.labels['paas.release_id'] ?? (call.startsWith('remove:') ? 'gone' : '?');
  return name === undefined ? call : `${op}:${dyno}@${release}`;
}

describe('deploy', () => {
  it('starts the new dynos, waits for them, syncs routes, and only then stops the old ones', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2, worker: 1 }));
    const oldNames = new Set(h.runtime.running({ 'paas.app_id': APP_ID }).map((c) => c.name));
    h.runtime.calls.length = 0;
    h.routes.onSync = () => void h.runtime.calls.push('sync');

    await h.manager.deploy(appSpec(2, { web: 2, worker: 1 }));

    const calls = h.runtime.calls;
    const sync = calls.indexOf('sync');
    const isOld = (c: string) => oldNames.has(c.split(/:(.*)/s)[1] ?? '');
    const newStarts = calls.filter((c) => c.startsWith('start:') && !isOld(c));
    expect(newStarts).toHaveLength(3);
    expect(Math.max(...newStarts.map((c) => calls.indexOf(c)))).toBeLessThan(sync);
    const oldOps = calls.filter(isOld);
    expect(oldOps.filter((c) => c.startsWith('stop:'))).toHaveLength(3);
    expect(Math.min(...oldOps.map((c) => calls.indexOf(c)))).toBeGreaterThan(sync);
    // Highest index first, each stopped before it is removed.
    expect(oldOps.map((c) => c.split(':')[0] + ':' + c.split('-')[2])).toEqual([
      'stop:web.2',
      'stop:web.1',
      'stop:worker.1',
      'remove:web.2',
      'remove:web.1',
      'remove:worker.1',
    ]);
    expect(h.running()).toEqual(['web.1@rel-2', 'web.2@rel-2', 'worker.1@rel-2']);
    expect(h.routes.syncs).toBe(1);
  });

  // Deploying the same release again is a restart with preboot: the same swap, by generation not release.
  it.each([2, 1])('switches the backends from the old dynos to the new ones in one step (to v%i)', async (version) => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 3 }));
    const oldHosts = new Set(h.manager.backends(APP_ID).map((b) => b.host));
    const seen: string[][] = [];
    h.manager.onChange(() => seen.push(h.manager.backends(APP_ID).map((b) => b.host)));
    await h.manager.deploy(appSpec(version, { web: 3 }));
    const newHosts = new Set(h.manager.backends(APP_ID).map((b) => b.host));
    expect(newHosts.size).toBe(3);
    for (const hosts of seen) {
      expect(hosts).toHaveLength(3);
      const generation = new Set(hosts.map((x) => (oldHosts.has(x) ? 'old' : newHosts.has(x) ? 'new' : 'other')));
      expect(generation.size).toBe(1);
    }
    expect(seen.at(-1)!.every((x) => newHosts.has(x))).toBe(true);
  });

  it('rolls back on a boot timeout: R10, new dynos removed, old ones untouched and still routed', async () => {
    h = createHarness({ bootTimeoutMs: 60_000 });
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2, worker: 1 }));
    const before = h.runtime.running({ 'paas.app_id': APP_ID }).map((c) => c.id).sort();
    const backends = h.manager.backends(APP_ID);
    h.probe.autoAccept = false;

    const deploying = h.manager.deploy(appSpec(2, { web: 2, worker: 1 }));
    const outcome = deploying.catch((err: unknown) => err);
    await vi.waitFor(() => expect(h.probe.waiting).toHaveLength(2));
    await advance(h.clock, 59_000);
    expect(h.running()).toHaveLength(6);
    await advance(h.clock, 1_000);
    const err = await outcome;

    expect(isPaasError(err, 'dyno_boot_timeout')).toBe(true);
    expect((err as Error).message).toMatch(/web\.\d failed to bind to \$PORT within 60 seconds of launch/);
    for (const dyno of ['web.1', 'web.2']) {
      expect(h.log).toContain(`${dyno}: Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 seconds of launch`);
    }
    expect(h.runtime.running({ 'paas.app_id': APP_ID }).map((c) => c.id).sort()).toEqual(before);
    expect([...h.runtime.containers.values()].filter((c) => c.info.labels['paas.release_id'] === 'rel-2')).toEqual([]);
    expect(h.manager.backends(APP_ID)).toEqual(backends);
    expect(h.routes.syncs).toBe(0);
    // The old spec is still the desired one: later passes leave its dynos alone.
    await advance(h.clock, 60_000, 10_000);
    expect(h.runtime.running({ 'paas.app_id': APP_ID }).map((c) => c.id).sort()).toEqual(before);
  });

  it('fails fast when a new web dyno crashes during boot', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2 }));
    h.probe.autoAccept = false;
    const deploying = h.manager.deploy(appSpec(2, { web: 2 })).catch((err: unknown) => err);
    await vi.waitFor(() => expect(h.probe.waiting).toHaveLength(2));
    const fresh = h.runtime.running({ 'paas.app_id': APP_ID, 'paas.release_id': 'rel-2', 'paas.dyno': 'web.2' })[0]!;
    h.runtime.exit(fresh.id, 3);
    const err = await deploying;
    expect(isPaasError(err, 'dyno_boot_timeout')).toBe(true);
    expect((err as Error).message).toBe('web.2 exited with status 3 before accepting connections on $PORT');
    expect(h.running()).toEqual(['web.1@rel-1', 'web.2@rel-1']);
    expect(h.manager.backends(APP_ID)).toHaveLength(2);
  });

  it('runs deploys of one app one after the other', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    h.probe.autoAccept = false;
    const first = h.manager.deploy(appSpec(2));
    const second = h.manager.deploy(appSpec(3));
    await vi.waitFor(() => expect(h.probe.waiting).toHaveLength(1));
    await idle();
    expect(h.running()).toEqual(['web.1@rel-1', 'web.1@rel-2']);
    h.probe.accept(h.probe.waiting[0]!);
    await first;
    await vi.waitFor(() => expect(h.probe.waiting).toHaveLength(1));
    expect(h.running()).toEqual(['web.1@rel-2', 'web.1@rel-3']);
    h.probe.accept(h.probe.waiting[0]!);
    await second;
    expect(h.running()).toEqual(['web.1@rel-3']);
  });

  it('logs the old dynos going down the Heroku way', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    h.log.length = 0;
    await h.manager.deploy(appSpec(2));
    expect(h.log).toEqual([
      'web.1: Starting process with command `node server.js`',
      'web.1: State changed from starting to up',
      'web.1: Stopping all processes with SIGTERM',
      'web.1: Process exited with status 143',
      'web.1: State changed from up to down',
    ]);
    expect(describeCall(h.runtime.calls.at(-1)!)).toBe('remove:web.1@gone');
  });
});

describe('remove', () => {
  it('unroutes, syncs, then stops and removes every dyno and forgets the app', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2, worker: 1 }));
    h.runtime.calls.length = 0;
    h.routes.onSync = () => void h.runtime.calls.push(`sync:${h.manager.backends(APP_ID).length}`);
    await h.manager.remove(APP_ID);
    expect(h.runtime.calls[0]).toBe('sync:0');
    expect(h.runtime.calls.filter((c) => c.startsWith('stop:'))).toHaveLength(3);
    expect(h.runtime.containers.size).toBe(0);
    expect(h.manager.listDynos(APP_ID)).toEqual([]);
    await advance(h.clock, 60_000, 10_000);
    expect(h.runtime.containers.size).toBe(0);
  });
});

describe('deploy failures', () => {
  it('rolls back and says release_failed when the engine cannot create the new dynos', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 1, worker: 1 }));
    const create = h.runtime.createContainer.bind(h.runtime);
    h.runtime.createContainer = async (spec) => {
      if (spec.labels['paas.process_type'] === 'worker') throw new Error('No such image: paas/slug:shop-v2');
      return create(spec);
    };
    const err = await h.manager.deploy(appSpec(2, { web: 1, worker: 1 })).catch((e: unknown) => e);
    expect(isPaasError(err, 'release_failed')).toBe(true);
    expect((err as Error).message).toContain('No such image');
    await idle();
    expect(h.running()).toEqual(['web.1@rel-1', 'worker.1@rel-1']);
  });
});

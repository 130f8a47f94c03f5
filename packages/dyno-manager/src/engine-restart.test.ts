import { PaasError } from '@paas/core';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_ID, advance, appSpec, createHarness, idle, type Harness } from './manager.harness.js';

let h: Harness;
afterEach(async () => {
  await h.manager.close();
});

async function crash(dyno: string): Promise<void> {
  h.runtime.exit(h.idOf(dyno), 1);
  await idle();
}

describe('engine restarts and engine trouble', () => {
  it('does not count the exits of an engine restart as crashes: every dyno is back at once', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 1, worker: 1 }));
    // web.1 has crashed twice lately: its next crash would wait 10 s.
    await crash('web.1');
    await crash('web.1');
    await advance(h.clock, 5_000);
    expect(h.running()).toEqual(['web.1@rel-1', 'worker.1@rel-1']);

    h.runtime.available = false;
    h.runtime.restartEngine();
    await advance(h.clock, 1_000, 200);
    h.runtime.available = true;
    // Reconnecting takes one backoff step; then everything starts without a cool-off.
    await advance(h.clock, 1_000, 200);
    expect(h.running()).toEqual(['web.1@rel-1', 'worker.1@rel-1']);
    expect(h.manager.backends(APP_ID).map((b) => b.dyno)).toEqual(['web.1']);

    // Once things settled, crashes count again, from the start: the first restarts at once.
    await advance(h.clock, 20_000, 5_000);
    await crash('web.1');
    expect(h.running()).toEqual(['web.1@rel-1', 'worker.1@rel-1']);
    await crash('web.1');
    expect(h.manager.listDynos(APP_ID).find((d) => d.name === 'web.1')).toMatchObject({ state: 'crashed', restartAt: h.clock.now() + 5_000 });
  });

  it('starts nothing while the engine is stopping, and everything once it is back', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2 }));
    h.runtime.calls.length = 0;
    h.runtime.stopEngine();
    await advance(h.clock, 20_000, 200);
    expect(h.runtime.calls.filter((c) => c.startsWith('create:'))).toEqual([]);
    h.runtime.available = true;
    await advance(h.clock, 5_000, 200);
    expect(h.running()).toEqual(['web.1@rel-1', 'web.2@rel-1']);
    expect(h.manager.backends(APP_ID)).toHaveLength(2);
  });

  it('restarts a dyno someone else stopped with SIGTERM after a hold, not at once', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 1 }));
    await h.runtime.killContainer(h.idOf('web.1'), 'SIGTERM');
    await advance(h.clock, 14_000, 1_000);
    expect(h.running()).toEqual([]);
    await advance(h.clock, 1_000, 1_000);
    expect(h.running()).toEqual(['web.1@rel-1']);
  });

  it('backs off a dyno the engine refuses to start, instead of retrying in a loop', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 1 }));
    const start = h.runtime.startContainer.bind(h.runtime);
    let refusals = 0;
    h.runtime.startContainer = async () => {
      refusals++;
      throw new PaasError('internal_error', 'Docker failed to start container: failed to update store for object type *libnetwork.endpoint');
    };
    await crash('web.1');
    // The crash restarts at once; that start fails, which is the second crash: 5 s, then 10 s, not a retry
    // on every destroy event.
    await advance(h.clock, 4_900, 100);
    expect(refusals).toBe(1);
    await advance(h.clock, 200, 100);
    expect(refusals).toBe(2);
    h.runtime.startContainer = start;
    await advance(h.clock, 9_800, 100);
    expect(h.running()).toEqual([]);
    await advance(h.clock, 200, 100);
    expect(h.running()).toEqual(['web.1@rel-1']);
  });

  it('starts the replacement even when the crashed container cannot be removed, and hides it from the list', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 1 }));
    const stuck = h.idOf('web.1');
    const remove = h.runtime.removeContainer.bind(h.runtime);
    h.runtime.removeContainer = async (id, options) => {
      if (id === stuck) throw new PaasError('internal_error', 'driver "overlay2" failed to remove root filesystem');
      return remove(id, options);
    };
    await crash('web.1');
    expect(h.running()).toEqual(['web.1@rel-1']);
    expect(h.idOf('web.1')).not.toBe(stuck);
    expect(h.manager.listDynos(APP_ID).map((d) => `${d.name}:${d.state}`)).toEqual(['web.1:up']);
    expect(h.runtime.containers.has(stuck)).toBe(true);
    // Later passes keep trying, and succeed once the engine lets them.
    h.runtime.removeContainer = remove;
    await advance(h.clock, 30_000, 10_000);
    expect(h.runtime.containers.has(stuck)).toBe(false);
  });
});

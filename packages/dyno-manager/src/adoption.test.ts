import { afterEach, describe, expect, it } from 'vitest';
import { APP_ID, appSpec, createHarness, idle, type Harness } from './manager.harness.js';

let h: Harness;
afterEach(async () => {
  await h.manager.close();
});

describe('adoption', () => {
  it('takes over running dynos after a restart without restarting them', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2, worker: 1 }));
    const ids = h.runtime.running({ 'paas.app_id': APP_ID }).map((c) => c.id).sort();
    const backends = h.manager.backends(APP_ID);
    await h.manager.close();
    // Closing leaves the dynos running.
    expect(h.runtime.running({ 'paas.app_id': APP_ID }).map((c) => c.id).sort()).toEqual(ids);

    h.runtime.calls.length = 0;
    h.log.length = 0;
    h.manager = h.another();
    await h.manager.start();
    expect(h.manager.listDynos(APP_ID).map((d) => `${d.name}:${d.state}:${d.command}`)).toEqual([
      'web.1:up:node server.js',
      'web.2:up:node server.js',
      'worker.1:up:node worker.js',
    ]);
    await h.manager.apply(appSpec(1, { web: 2, worker: 1 }));
    await idle();
    expect(h.manager.backends(APP_ID)).toEqual(backends);
    expect(h.runtime.calls).toEqual([]);
    expect(h.runtime.running({ 'paas.app_id': APP_ID }).map((c) => c.id).sort()).toEqual(ids);
    expect(h.log).toEqual([]);
  });

  it('routes no adopted dyno before its app is applied', async () => {
    h = createHarness();
    await h.manager.apply(appSpec(1));
    await h.manager.close();
    h.manager = h.another();
    await h.manager.start();
    expect(h.manager.listDynos(APP_ID).map((d) => d.state)).toEqual(['up']);
    expect(h.manager.backends(APP_ID)).toEqual([]);
  });

  it('restarts a dyno that exited while no manager watched', async () => {
    h = createHarness();
    await h.manager.apply(appSpec(1));
    await h.manager.close();
    const before = h.idOf('web.1');
    h.runtime.restartEngine();
    h.manager = h.another();
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    await idle();
    expect(h.running()).toEqual(['web.1@rel-1']);
    expect(h.idOf('web.1')).not.toBe(before);
    expect(h.log).toContain('web.1: Process exited with status 143');
  });
});

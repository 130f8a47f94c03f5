import { afterEach, describe, expect, it } from 'vitest';
import { APP_ID, advance, appSpec, createHarness, idle, type Harness } from './manager.harness.js';

let h: Harness;
afterEach(async () => {
  await h.manager.close();
});

describe('reconciler', () => {
  it('starts the formation with the label contract and routes web dynos once they accept', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2, worker: 1 }));
    await idle();
    expect(h.running()).toEqual(['web.1@rel-1', 'web.2@rel-1', 'worker.1@rel-1']);
    const web1 = h.runtime.containers.get(h.idOf('web.1'))!;
    expect(web1.info.labels).toMatchObject({ 'paas.app': 'shop', 'paas.release_version': '1', 'paas.size': 'basic' });
    expect(web1.spec.env).toMatchObject({ PORT: '5000', DYNO: 'web.1', GREETING: 'hi' });
    expect(h.manager.listDynos(APP_ID).map((d) => `${d.name}:${d.state}`)).toEqual(['web.1:up', 'web.2:up', 'worker.1:up']);
    expect(h.manager.backends(APP_ID).map((b) => b.dyno)).toEqual(['web.1', 'web.2']);
    expect(h.manager.backends(APP_ID)[0]).toEqual({ dyno: 'web.1', host: web1.info.networks['dynos'], port: 5000 });
    expect(h.probe.probes).toContain(`${web1.info.networks['dynos']}:5000`);
    expect(h.log).toContain('web.1: Starting process with command `node server.js`');
    expect(h.log).toContain('web.1: State changed from starting to up');
  });

  it('does not route a web dyno before it accepts on $PORT', async () => {
    h = createHarness();
    h.probe.autoAccept = false;
    await h.manager.apply(appSpec(1));
    await idle();
    expect(h.manager.listDynos(APP_ID).map((d) => d.state)).toEqual(['starting']);
    expect(h.manager.backends(APP_ID)).toEqual([]);
    h.probe.accept(h.probe.waiting[0]!);
    await idle();
    expect(h.manager.backends(APP_ID).map((b) => b.dyno)).toEqual(['web.1']);
  });

  it('scales up and down, stopping the highest index first and unrouting before the signal', async () => {
    h = createHarness();
    await h.manager.apply(appSpec(1, { web: 1 }));
    await h.manager.apply(appSpec(1, { web: 3 }));
    await idle();
    expect(h.running()).toEqual(['web.1@rel-1', 'web.2@rel-1', 'web.3@rel-1']);
    const web1 = h.idOf('web.1');

    h.runtime.calls.length = 0;
    h.manager.onChange(() => h.runtime.calls.push(`backends:${h.manager.backends(APP_ID).map((b) => b.dyno)}`));
    h.routes.onSync = () => void h.runtime.calls.push('sync');
    await h.manager.apply(appSpec(1, { web: 1 }));
    const stops = h.runtime.calls.filter((c) => c.startsWith('stop:'));
    expect(stops.map((c) => c.split('-')[2])).toEqual(['web.3', 'web.2']);
    expect(h.running()).toEqual(['web.1@rel-1']);
    expect(h.idOf('web.1')).toBe(web1);
    // Unrouted before the signal: the last route change before the first stop already lacks both.
    const firstStop = h.runtime.calls.findIndex((c) => c.startsWith('stop:'));
    expect(h.runtime.calls.slice(0, firstStop).filter((c) => c.startsWith('backends:')).at(-1)).toBe('backends:web.1');
    expect(h.runtime.calls.slice(0, firstStop)).toContain('sync');
    expect(h.log).toContain('web.3: Stopping all processes with SIGTERM');
    expect(h.log).toContain('web.3: Process exited with status 143');
    expect(h.log).toContain('web.3: State changed from up to down');
    expect(h.log.filter((l) => l.includes('R12'))).toEqual([]);
  });

  it('logs R12 when a dyno had to be killed after the grace period', async () => {
    h = createHarness({ stopTimeoutMs: 10_000 });
    await h.manager.apply(appSpec(1, { web: 2 }));
    h.runtime.stopExitCode = 137;
    await h.manager.apply(appSpec(1, { web: 1 }));
    expect(h.log.filter((l) => l.startsWith('web.2:')).slice(-5)).toEqual([
      'web.2: Stopping all processes with SIGTERM',
      'web.2: Error R12 (Exit timeout) -> At least one process failed to exit within 10 seconds of SIGTERM',
      'web.2: Stopping all processes with SIGKILL',
      'web.2: Process exited with status 137',
      'web.2: State changed from up to down',
    ]);
  });

  it('removes containers of a release that is not the desired one', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    const stray = await h.runtime.createContainer({
      ...h.runtime.containers.get(h.idOf('web.1'))!.spec,
      name: 'paas-shop-web.1-stray',
      labels: { ...h.runtime.containers.get(h.idOf('web.1'))!.info.labels, 'paas.release_id': 'rel-0', 'paas.release_version': '0' },
    });
    await h.runtime.startContainer(stray);
    await idle();
    expect(h.runtime.containers.has(stray)).toBe(false);
    expect(h.running()).toEqual(['web.1@rel-1']);
  });

  it('replaces a dyno removed behind its back, prompted by the engine event', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    const before = h.idOf('web.1');
    await h.runtime.removeContainer(before, { force: true });
    await idle();
    expect(h.running()).toEqual(['web.1@rel-1']);
    expect(h.idOf('web.1')).not.toBe(before);
  });

  it('removes the dynos of an unknown app only after the grace period', async () => {
    h = createHarness({ reconcileIntervalMs: 30_000, unknownAppGraceMs: 120_000 });
    // Dynos left by a manager that went away, of an app the next manager is never told about.
    await h.manager.apply(appSpec(1));
    await h.manager.close();
    const ghost = h.idOf('web.1');
    h.manager = h.another();
    await h.manager.start();
    await advance(h.clock, 90_000);
    expect(h.runtime.containers.has(ghost)).toBe(true);
    await advance(h.clock, 60_000);
    expect(h.runtime.containers.has(ghost)).toBe(false);
    expect(h.manager.listDynos(APP_ID)).toEqual([]);
  });

  it('keeps an apply that arrives while a pass finds the app empty', async () => {
    h = createHarness();
    await h.manager.start();
    // A container of the app comes and goes; its destroy event prompts a pass over an app with no spec.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const list = h.runtime.listContainers.bind(h.runtime);
    h.runtime.listContainers = async (labels) => {
      await gate;
      return list(labels);
    };
    const id = await h.runtime.createContainer({ name: 'x', image: 'i', cmd: [], env: {}, labels: { 'paas.managed': '1', 'paas.kind': 'dyno', 'paas.app_id': APP_ID } });
    await h.runtime.removeContainer(id);
    await idle();
    // The pass is waiting for the engine when the app is applied (as after a removal, or a restart).
    const applying = h.manager.apply(appSpec(1));
    release();
    await applying;
    await idle();
    expect(h.running()).toEqual(['web.1@rel-1']);
    expect(h.manager.backends(APP_ID).map((b) => b.dyno)).toEqual(['web.1']);
  });

  it('brings every dyno back after the engine restarts, reconnecting with backoff', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2, worker: 1 }));
    const before = h.runtime.running({ 'paas.app_id': APP_ID }).map((c) => c.id);

    h.runtime.available = false;
    h.runtime.restartEngine();
    await idle();
    expect(h.running()).toEqual([]);
    // Down for a while: the watcher keeps retrying (200 ms, 400 ms, 800 ms …) without a pass succeeding.
    await advance(h.clock, 200);
    await advance(h.clock, 400);
    expect(h.running()).toEqual([]);
    h.runtime.available = true;
    await advance(h.clock, 800);
    expect(h.running()).toEqual(['web.1@rel-1', 'web.2@rel-1', 'worker.1@rel-1']);
    const after = h.runtime.running({ 'paas.app_id': APP_ID }).map((c) => c.id);
    expect(after.some((id) => before.includes(id))).toBe(false);
    expect(h.log).toContain('web.1: Process exited with status 143');
    expect(h.manager.backends(APP_ID).map((b) => b.dyno)).toEqual(['web.1', 'web.2']);
  });
});

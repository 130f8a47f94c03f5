import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CRASH_BACKOFF } from './backoff.js';
import { APP_ID, advance, appSpec, createHarness, idle, type Harness } from './manager.harness.js';

let h: Harness;
afterEach(async () => {
  await h.manager.close();
});

async function crashWeb1(code = 1): Promise<string> {
  const id = h.idOf('web.1');
  h.runtime.exit(id, code);
  await idle();
  return id;
}

describe('crash restarts', () => {
  it('restarts the first crash at once, then after 5 s, 10 s, 20 s', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    const t0 = h.clock.now();

    await crashWeb1();
    expect(h.running()).toEqual(['web.1@rel-1']);
    expect(h.log.slice(-5)).toEqual([
      'web.1: Process exited with status 1',
      'web.1: State changed from up to crashed',
      'web.1: State changed from crashed to starting',
      'web.1: Starting process with command `node server.js`',
      'web.1: State changed from starting to up',
    ]);

    for (const cooloff of [5_000, 10_000, 20_000]) {
      await crashWeb1();
      const [crashed] = h.manager.listDynos(APP_ID);
      expect(crashed).toMatchObject({ state: 'crashed', exitCode: 1, restartAt: h.clock.now() + cooloff });
      await advance(h.clock, cooloff - 1, 100);
      expect(h.running()).toEqual([]);
      await advance(h.clock, 1, 1);
      expect(h.running()).toEqual(['web.1@rel-1']);
    }
    expect(h.clock.now() - t0).toBe(35_000);
  });

  it('caps the cool-off at the configured maximum', async () => {
    h = createHarness({ crashBackoff: { initialMs: 1_000, maxMs: 3_000, resetAfterMs: 60_000 } });
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      await crashWeb1();
      const dyno = h.manager.listDynos(APP_ID)[0]!;
      const wait = dyno.state === 'crashed' ? dyno.restartAt! - h.clock.now() : 0;
      waits.push(wait);
      await advance(h.clock, wait, 100);
      expect(h.running()).toEqual(['web.1@rel-1']);
    }
    expect(waits).toEqual([0, 1_000, 2_000, 3_000, 3_000]);
  });

  it('starts the backoff over once a dyno has stayed up long enough', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    await crashWeb1();
    await crashWeb1();
    await advance(h.clock, 5_000);
    expect(h.running()).toEqual(['web.1@rel-1']);
    await advance(h.clock, DEFAULT_CRASH_BACKOFF.resetAfterMs, 10_000);
    await crashWeb1();
    expect(h.running()).toEqual(['web.1@rel-1']);
  });

  it('starts the backoff over on a new release', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    await crashWeb1();
    await crashWeb1();
    await advance(h.clock, 5_000);
    await h.manager.deploy(appSpec(2));
    await crashWeb1();
    expect(h.running()).toEqual(['web.1@rel-2']);
  });

  it('starts the backoff over when the type is scaled to zero and back', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    await crashWeb1();
    await crashWeb1();
    expect(h.running()).toEqual([]);
    await h.manager.apply(appSpec(1, { web: 0 }));
    await h.manager.apply(appSpec(1, { web: 1 }));
    expect(h.running()).toEqual(['web.1@rel-1']);
    await crashWeb1();
    expect(h.running()).toEqual(['web.1@rel-1']);
  });

  it('logs an OOM kill as R15', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 0, worker: 1 }));
    h.runtime.exit(h.idOf('worker.1'), 137, { oom: true });
    await idle();
    expect(h.log.filter((l) => !l.includes('Starting process')).slice(-7)).toEqual([
      'worker.1: State changed from starting to up',
      'worker.1: Error R15 (Memory quota vastly exceeded)',
      'worker.1: Stopping process with SIGKILL',
      'worker.1: Process exited with status 137',
      'worker.1: State changed from up to crashed',
      'worker.1: State changed from crashed to starting',
      'worker.1: State changed from starting to up',
    ]);
  });

  it('reports the app crashed while every web dyno waits out its cool-off', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2 }));
    const changes: boolean[] = [];
    h.manager.onChange(() => changes.push(h.manager.isCrashed(APP_ID)));
    for (const dyno of ['web.1', 'web.2']) {
      h.runtime.exit(h.idOf(dyno), 1);
      await idle();
      h.runtime.exit(h.idOf(dyno), 1);
      await idle();
    }
    expect(h.manager.isCrashed(APP_ID)).toBe(true);
    expect(h.manager.backends(APP_ID)).toEqual([]);
    await advance(h.clock, 5_000);
    expect(h.manager.isCrashed(APP_ID)).toBe(false);
    expect(h.manager.backends(APP_ID).map((b) => b.dyno)).toEqual(['web.1', 'web.2']);
    expect(changes).toContain(true);
  });

  it('handles a web dyno that never binds $PORT as an R10 crash', async () => {
    h = createHarness({ bootTimeoutMs: 10_000 });
    h.probe.autoAccept = false;
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    const first = h.idOf('web.1');
    await advance(h.clock, 9_000);
    expect(h.manager.listDynos(APP_ID).map((d) => d.state)).toEqual(['starting']);
    await advance(h.clock, 1_000);
    expect(h.log).toContain('web.1: Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 10 seconds of launch');
    expect(h.log).toContain('web.1: State changed from starting to crashed');
    // The first crash restarts at once.
    expect(h.running()).toEqual(['web.1@rel-1']);
    expect(h.idOf('web.1')).not.toBe(first);
  });
});

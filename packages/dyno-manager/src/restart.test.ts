import { isPaasError } from '@paas/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { APP_ID, advance, appSpec, createHarness, idle, type Harness } from './manager.harness.js';

let h: Harness;
afterEach(async () => {
  await h.manager.close();
});

const idsOf = (...dynos: string[]) => dynos.map((d) => h.idOf(d));

describe('restart', () => {
  it('replaces every dyno with preboot: the new web dynos are routed before the old ones stop', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2, worker: 1 }));
    const before = idsOf('web.1', 'web.2', 'worker.1');
    const seen: number[] = [];
    h.manager.onChange(() => seen.push(h.manager.backends(APP_ID).length));
    await h.manager.restart(APP_ID, { all: true });
    const after = idsOf('web.1', 'web.2', 'worker.1');
    expect(after.some((id) => before.includes(id))).toBe(false);
    expect(Math.min(...seen)).toBe(2);
    expect(h.log.filter((l) => l.endsWith('Restarting')).sort()).toEqual(['web.1: Restarting', 'web.2: Restarting', 'worker.1: Restarting']);
  });

  it('restarts one process type, or one dyno, and leaves the others alone', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2, worker: 1 }));
    const [web1, web2, worker1] = idsOf('web.1', 'web.2', 'worker.1');
    await h.manager.restart(APP_ID, { type: 'worker' });
    expect(idsOf('web.1', 'web.2')).toEqual([web1, web2]);
    expect(h.idOf('worker.1')).not.toBe(worker1);
    await h.manager.restart(APP_ID, { dyno: 'web.2' });
    expect(h.idOf('web.1')).toBe(web1);
    expect(h.idOf('web.2')).not.toBe(web2);
  });

  it('restarts a crashed dyno at once and starts its backoff over', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    for (let i = 0; i < 3; i++) {
      h.runtime.exit(h.idOf('web.1'), 1);
      await idle();
      await advance(h.clock, 5_000 * 2 ** Math.max(0, i - 1));
    }
    h.runtime.exit(h.idOf('web.1'), 1);
    await idle();
    expect(h.manager.listDynos(APP_ID)[0]).toMatchObject({ state: 'crashed', restartAt: h.clock.now() + 20_000 });
    await h.manager.restart(APP_ID, { dyno: 'web.1' });
    expect(h.running()).toEqual(['web.1@rel-1']);
    // Backoff from zero: the next crash restarts at once again.
    h.runtime.exit(h.idOf('web.1'), 1);
    await idle();
    expect(h.running()).toEqual(['web.1@rel-1']);
  });

  it('keeps the old dynos when the new ones do not boot, and says why', async () => {
    h = createHarness({ bootTimeoutMs: 10_000 });
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 1 }));
    const old = h.idOf('web.1');
    h.probe.autoAccept = false;
    const restarting = h.manager.restart(APP_ID, { all: true }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(h.probe.waiting).toHaveLength(1));
    await advance(h.clock, 10_000);
    const err = await restarting;
    expect(isPaasError(err, 'dyno_boot_timeout')).toBe(true);
    expect(h.idOf('web.1')).toBe(old);
    expect(h.manager.backends(APP_ID)).toHaveLength(1);
  });

  it('says dyno_not_found for a dyno or type that is not in the formation', async () => {
    h = createHarness();
    await h.manager.apply(appSpec(1, { web: 1 }));
    for (const target of [{ dyno: 'web.2' }, { type: 'worker' }]) {
      const err = await h.manager.restart(APP_ID, target).catch((e: unknown) => e);
      expect(isPaasError(err, 'dyno_not_found')).toBe(true);
    }
  });
});

describe('stop', () => {
  it('unroutes and drains a formation dyno, stops it, and the formation starts it again', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2 }));
    const web2 = h.idOf('web.2');
    h.runtime.calls.length = 0;
    h.routes.onSync = () => void h.runtime.calls.push(`sync:${h.manager.backends(APP_ID).map((b) => b.dyno)}`);
    await h.manager.stop(APP_ID, 'web.2');
    const stopAt = h.runtime.calls.findIndex((c) => c.startsWith('stop:'));
    expect(h.runtime.calls.slice(0, stopAt)).toEqual(['sync:web.1']);
    expect(h.log).toContain('web.2: State changed from up to down');
    expect(h.running()).toEqual(['web.1@rel-1', 'web.2@rel-1']);
    expect(h.idOf('web.2')).not.toBe(web2);
  });

  it('ends a one-off dyno for good', async () => {
    h = createHarness();
    await h.manager.apply(appSpec(1));
    const dyno = await h.manager.runOneOff({ spec: appSpec(1), command: 'sleep 100', type: 'run', size: 'basic' });
    await h.manager.stop(APP_ID, 'run.1');
    expect(await dyno.exited).toEqual({ exitCode: 143 });
    expect(h.manager.listDynos(APP_ID).map((d) => d.name)).toEqual(['web.1']);
  });
});

describe('scale', () => {
  it('changes the formation of the running release and converges', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 1 }));
    const web1 = h.idOf('web.1');
    await h.manager.scale(APP_ID, { web: { quantity: 3, size: 'basic' }, worker: { quantity: 1, size: 'standard-2x' } });
    await idle();
    expect(h.running()).toEqual(['web.1@rel-1', 'web.2@rel-1', 'web.3@rel-1', 'worker.1@rel-1']);
    expect(h.idOf('web.1')).toBe(web1);
    expect(h.runtime.containers.get(h.idOf('worker.1'))!.spec.memoryBytes).toBe(1024 * 1024 * 1024);
    await h.manager.scale(APP_ID, { web: { quantity: 0, size: 'basic' }, worker: { quantity: 0, size: 'basic' } });
    expect(h.running()).toEqual([]);
    expect(h.manager.backends(APP_ID)).toEqual([]);
  });

  it('refuses a formation it could not run, touching nothing, and an app it does not run', async () => {
    h = createHarness();
    await h.manager.apply(appSpec(1, { web: 1 }));
    const web1 = h.idOf('web.1');
    const refused: Record<string, { quantity: number; size: string }>[] = [
      { web: { quantity: 101, size: 'basic' } },
      { web: { quantity: 1, size: 'huge' } },
      { nope: { quantity: 1, size: 'basic' } },
    ];
    for (const formation of refused) {
      const err = await h.manager.scale(APP_ID, formation).catch((e: unknown) => e);
      expect(isPaasError(err, 'invalid_params')).toBe(true);
    }
    expect(h.idOf('web.1')).toBe(web1);
    const unknown = await h.manager.scale('other-app', {}).catch((e: unknown) => e);
    expect(isPaasError(unknown, 'no_release')).toBe(true);
  });
});

describe('resize', () => {
  it('replaces resized dynos with preboot, one web dyno at a time, never dropping below the formation', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2, worker: 1 }));
    const before = h.runtime.running({ 'paas.app_id': APP_ID }).map((c) => c.id);
    const routed: number[] = [];
    h.manager.onChange(() => routed.push(h.manager.backends(APP_ID).length));
    await h.manager.scale(APP_ID, { web: { quantity: 2, size: 'standard-2x' }, worker: { quantity: 1, size: 'standard-2x' } });
    const after = h.runtime.running({ 'paas.app_id': APP_ID });
    expect(after.map((c) => c.labels['paas.size'])).toEqual(['standard-2x', 'standard-2x', 'standard-2x']);
    expect(after.some((c) => before.includes(c.id))).toBe(false);
    expect(Math.min(...routed)).toBe(2);
    expect(h.log.filter((l) => l.endsWith('Restarting')).sort()).toEqual(['web.1: Restarting', 'web.2: Restarting', 'worker.1: Restarting']);
  });
});

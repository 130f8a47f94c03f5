import { describe, expect, it } from 'vitest';
import { PaasError, type Dyno, type Formation } from '@paas/core';
import { auth, dynoStatus, setupDynos } from './dynos.harness.js';

describe('formation', () => {
  it('lists the formation with each type’s command', async () => {
    const { plane } = setupDynos();
    const res = await plane.api.inject({ url: '/apps/shop/formation', headers: auth });
    expect(res.json<Formation[]>().map((f) => [f.type, f.quantity, f.size, f.command])).toEqual([
      ['web', 1, 'basic', 'node server.js'],
      ['worker', 0, 'basic', 'node worker.js'],
    ]);
    const one = await plane.api.inject({ url: '/apps/shop/formation/worker', headers: auth });
    expect(one.json()).toMatchObject({ type: 'worker', quantity: 0 });
  });

  it('scales in one batch, stores it, and hands the whole formation to the dyno manager', async () => {
    const { plane, store, app, calls } = setupDynos();
    const res = await plane.api.inject({
      method: 'PATCH',
      url: '/apps/shop/formation',
      headers: auth,
      payload: { updates: [{ type: 'web', quantity: 3 }, { type: 'worker', quantity: 1, size: 'Standard-2X' }] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<Formation[]>().map((f) => `${f.type}=${f.quantity}:${f.size}`)).toEqual(['web=3:basic', 'worker=1:standard-2x']);
    expect(calls).toEqual(['scale:web=3:basic,worker=1:standard-2x']);
    expect(store.listFormation(app.id).map((f) => f.quantity)).toEqual([3, 1]);

    const single = await plane.api.inject({ method: 'PATCH', url: '/apps/shop/formation/web', headers: auth, payload: { quantity: 0 } });
    expect(single.json()).toMatchObject({ type: 'web', quantity: 0, size: 'basic' });
    expect(calls.at(-1)).toBe('scale:web=0:basic,worker=1:standard-2x');
  });

  it('refuses unknown types, sizes and quantities with clear errors, changing nothing', async () => {
    const { plane, store, app, calls } = setupDynos();
    const cases: [unknown, RegExp][] = [
      [{ updates: [{ type: 'clock', quantity: 1 }] }, /No process type clock in v1; its process types are web, worker/],
      [{ updates: [{ type: 'release', quantity: 1 }] }, /No process type release/],
      [{ updates: [{ type: 'web', size: 'huge' }] }, /Unknown dyno size "huge"; sizes are eco, basic/],
      [{ updates: [{ type: 'web', quantity: 101 }] }, /from 0 to 100/],
      [{ updates: [{ type: 'web', quantity: -1 }] }, /from 0 to 100/],
      [{ updates: [{ type: 'web', quantity: 1 }, { type: 'web', quantity: 2 }] }, /listed twice/],
      [{ updates: [{ type: 'web', quantity: 1.5 }] }, /integer/],
      [{ updates: [] }, /updates/],
      [{ updates: [{ type: 'web', quantity: 1, extra: true }] }, /additional/],
    ];
    for (const [payload, message] of cases) {
      const res = await plane.api.inject({ method: 'PATCH', url: '/apps/shop/formation', headers: auth, payload: payload as object });
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(res.json()).toMatchObject({ id: 'invalid_params', message: expect.stringMatching(message) });
    }
    expect(calls).toEqual([]);
    expect(store.listFormation(app.id).map((f) => f.quantity)).toEqual([1, 0]);
  });

  it('says no_release before the first deploy', async () => {
    const { plane, store } = setupDynos();
    store.createApp('empty');
    const res = await plane.api.inject({ method: 'PATCH', url: '/apps/empty/formation', headers: auth, payload: { updates: [{ type: 'web', quantity: 1 }] } });
    expect(res.statusCode).toBe(422);
    expect(res.json().id).toBe('no_release');
  });
});

describe('dynos', () => {
  it('lists dynos with the crash facts, and finds one by name or id', async () => {
    const { plane, dynos } = setupDynos();
    const restartAt = Date.UTC(2026, 0, 1, 0, 0, 20);
    dynos.push(dynoStatus('web.2'), dynoStatus('web.10'), dynoStatus('web.1', { state: 'crashed', restartAt, exitCode: 3 }), dynoStatus('run.1', { oneOff: true }));
    const list = (await plane.api.inject({ url: '/apps/shop/dynos', headers: auth })).json<Dyno[]>();
    expect(list.map((d) => d.name)).toEqual(['run.1', 'web.1', 'web.2', 'web.10']);
    expect(list[1]).toMatchObject({ state: 'crashed', restart_at: '2026-01-01T00:00:20.000Z', exit_code: 3, attach_url: null });
    expect(list[2]).toMatchObject({ state: 'up', restart_at: null, exit_code: null });
    expect((await plane.api.inject({ url: '/apps/shop/dynos/id-web.2', headers: auth })).json()).toMatchObject({ name: 'web.2' });
    const missing = await plane.api.inject({ url: '/apps/shop/dynos/web.9', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().id).toBe('dyno_not_found');
  });

  it('restarts all, a type or one dyno; all is a deploy when the current release is not the running one', async () => {
    const { plane, dynos, calls, app } = setupDynos();
    const current = app.currentReleaseId!;
    dynos.push(dynoStatus('web.1', { release: { id: current, version: 1 } }), dynoStatus('worker.1', { release: { id: current, version: 1 } }));
    for (const url of ['/apps/shop/dynos', '/apps/shop/dynos/web', '/apps/shop/dynos/web.1']) {
      const res = await plane.api.inject({ method: 'DELETE', url, headers: auth });
      expect(res.statusCode, url).toBe(200);
    }
    expect(calls).toEqual(['restart:all', 'restart:type web', 'restart:web.1']);
    dynos[0] = dynoStatus('web.1', { release: { id: 'older', version: 0 } });
    await plane.api.inject({ method: 'DELETE', url: '/apps/shop/dynos', headers: auth });
    expect(calls.at(-1)).toBe('deploy:v1');
  });

  it('passes a failed restart on as its error', async () => {
    const { plane, failNext } = setupDynos();
    failNext.error = new PaasError('dyno_boot_timeout', 'web.1 failed to bind to $PORT within 60 seconds of launch');
    const res = await plane.api.inject({ method: 'DELETE', url: '/apps/shop/dynos/web.1', headers: auth });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ id: 'dyno_boot_timeout' });
  });

  it('stops a dyno by name, and a one-off by its container', async () => {
    const { plane, dynos, calls } = setupDynos();
    dynos.push(dynoStatus('web.1'), dynoStatus('run.1', { oneOff: true }));
    expect((await plane.api.inject({ method: 'POST', url: '/apps/shop/dynos/web.1/actions/stop', headers: auth })).statusCode).toBe(200);
    expect((await plane.api.inject({ method: 'POST', url: '/apps/shop/dynos/run.1/actions/stop', headers: auth })).statusCode).toBe(200);
    expect(calls).toEqual(['stop:web.1', 'stop:id-run.1']);
    const missing = await plane.api.inject({ method: 'POST', url: '/apps/shop/dynos/web.7/actions/stop', headers: auth });
    expect(missing.json().id).toBe('dyno_not_found');
  });
});

import { describe, expect, it } from 'vitest';
import { PaasError, type Build, type Release } from '@paas/core';
import type { ControlPlane } from './control-plane.js';
import { auth, deploy, settle, setup } from './control-plane.harness.js';

describe('control API', () => {
  it('requires the token everywhere but the health check, and answers errors as { id, message }', async () => {
    const { plane } = setup();
    expect((await plane.api.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok', version: 'test' });
    const denied = await plane.api.inject({ url: '/apps', headers: { authorization: 'Bearer wrong' } });
    expect(denied.statusCode).toBe(401);
    expect(denied.json()).toMatchObject({ id: 'unauthorized' });
    const missing = await plane.api.inject({ url: '/apps/nope', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ id: 'app_not_found', message: expect.stringContaining('nope') });
    const route = await plane.api.inject({ url: '/no/such/route', headers: auth });
    expect(route.json()).toMatchObject({ id: 'not_found' });
  });

  it('creates apps with valid, unique names only', async () => {
    const { plane } = setup();
    const ok = await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'my-app' } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ name: 'my-app', web_url: 'http://my-app.localhost/', current_release: null });
    for (const name of ['My-App', 'a', '1abc', 'x'.repeat(31), 'bad_name', 'trailing-']) {
      const bad = await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name } });
      expect(bad.statusCode, name).toBe(422);
      expect(bad.json().id).toBe('invalid_app_name');
    }
    const taken = await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'my-app' } });
    expect(taken.statusCode).toBe(409);
    const extra = await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'ok-app', evil: 1 } });
    expect(extra.json().id).toBe('invalid_params');
    const list = await plane.api.inject({ url: '/apps', headers: auth });
    expect(list.json().map((a: { name: string }) => a.name)).toEqual(['my-app']);
  });

  it('refuses uploads over the limit and empty ones', async () => {
    const { plane } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'up' } });
    const big = await plane.api.inject({ method: 'POST', url: '/apps/up/sources', headers: { ...auth, 'content-type': 'application/gzip' }, payload: Buffer.alloc(1025) });
    expect(big.statusCode).toBe(413);
    expect(big.json().id).toBe('payload_too_large');
    const atLimit = await plane.api.inject({ method: 'POST', url: '/apps/up/sources', headers: { ...auth, 'content-type': 'application/gzip' }, payload: Buffer.alloc(1024) });
    expect(atLimit.statusCode).toBe(201);
    const empty = await plane.api.inject({ method: 'POST', url: '/apps/up/sources', headers: { ...auth, 'content-type': 'application/gzip' }, payload: Buffer.alloc(0) });
    expect(empty.statusCode).toBe(422);
    const wrongType = await plane.api.inject({ method: 'POST', url: '/apps/up/builds', headers: auth, payload: { source_blob: { id: 'not-a-uuid' } } });
    expect(wrongType.json().id).toBe('invalid_params');
  });

  it('turns a build into a succeeded, current release with one web dyno', async () => {
    const { plane, deployed } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'shop' } });
    const { build, output } = await deploy(plane, 'shop');
    expect(output).toContain('-----> Fake app detected');
    expect(output).toContain('Released v1');
    expect(build).toMatchObject({ status: 'succeeded', release: { version: 1 }, error: null });
    expect(deployed[0]).toMatchObject({ formation: { web: { quantity: 1, size: 'basic' }, worker: { quantity: 0 } }, release: { version: 1 } });
    const release = (await plane.api.inject({ url: '/apps/shop/releases/v1', headers: auth })).json<Release>();
    expect(release).toMatchObject({ status: 'succeeded', current: true, description: 'Deploy abcdef1', user: { email: 'admin@test' } });
  });

  it('records a failed build without a release', async () => {
    const { plane } = setup({
      compile: async (_req, out) => {
        out('compiling...');
        throw new PaasError('slug_compile_failed', 'The Node.js buildpack failed to compile the app.');
      },
    });
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'broken' } });
    const { build, output } = await deploy(plane, 'broken');
    expect(build).toMatchObject({ status: 'failed', release: null, error: { id: 'slug_compile_failed' } });
    expect(output).toContain(' !     The Node.js buildpack failed to compile the app.');
    expect((await plane.api.inject({ url: '/apps/broken/releases', headers: auth })).json()).toEqual([]);
  });

  it('marks the release failed and keeps the previous one current when dynos do not boot', async () => {
    let failNext = false;
    const { plane } = setup({
      deploy: async () => {
        if (failNext) throw new PaasError('dyno_boot_timeout', 'web.1 did not bind to $PORT within 60 seconds');
      },
    });
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'boot' } });
    await deploy(plane, 'boot');
    failNext = true;
    const { build, output } = await deploy(plane, 'boot');
    expect(build).toMatchObject({ status: 'succeeded', release: { version: 2 }, error: { id: 'dyno_boot_timeout' } });
    expect(output).toContain('previous release keeps serving');
    const releases = (await plane.api.inject({ url: '/apps/boot/releases', headers: auth })).json<Release[]>();
    expect(releases.map((r) => [r.version, r.status, r.current])).toEqual([
      [1, 'succeeded', true],
      [2, 'failed', false],
    ]);
  });

  it('destroys an app with its dynos and artifacts', async () => {
    const { plane, removed, artifactsRemoved, store } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'gone' } });
    const id = store.getApp('gone').id;
    const res = await plane.api.inject({ method: 'DELETE', url: '/apps/gone', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(removed).toEqual([id]);
    expect(artifactsRemoved).toEqual(['gone']);
    expect((await plane.api.inject({ url: '/apps/gone', headers: auth })).statusCode).toBe(404);
  });

  describe('config vars and releases', () => {
    const patch = (plane: ControlPlane, app: string, body: Record<string, string | null>, query = '') =>
      plane.api.inject({ method: 'PATCH', url: `/apps/${app}/config-vars${query}`, headers: auth, payload: body });

    it('sets and unsets config vars, each change a release with Heroku descriptions, the same value no release', async () => {
      const { plane, deployed } = setup();
      await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'cfg' } });
      await deploy(plane, 'cfg');
      const set = await patch(plane, 'cfg', { FOO: 'a=b\nc', BAR: '' });
      expect(set.statusCode).toBe(200);
      expect(set.json()).toEqual({ FOO: 'a=b\nc', BAR: '' });
      expect(set.headers['paas-release-version']).toBe('2');
      await settle(plane);
      expect(deployed.at(-1)?.env).toEqual({ FOO: 'a=b\nc', BAR: '' });
      const same = await patch(plane, 'cfg', { FOO: 'a=b\nc' });
      expect(same.headers['paas-release-version']).toBeUndefined();
      await patch(plane, 'cfg', { FOO: null });
      await settle(plane);
      const releases = (await plane.api.inject({ url: '/apps/cfg/releases', headers: auth })).json<Release[]>();
      expect(releases.map((r) => [r.version, r.description, r.status])).toEqual([
        [1, 'Deploy abcdef1', 'succeeded'],
        [2, 'Set FOO, BAR config vars', 'succeeded'],
        [3, 'Remove FOO config vars', 'succeeded'],
      ]);
      expect((await plane.api.inject({ url: '/apps/cfg/config-vars', headers: auth })).json()).toEqual({ BAR: '' });
    });

    it('refuses bad keys, reserved keys and oversized sets, changing nothing', async () => {
      const { plane } = setup();
      await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'bad' } });
      for (const [body, id] of [
        [{ '1X': 'v' }, 'invalid_params'],
        [{ PORT: '80' }, 'invalid_params'],
        [{ BIG: 'x'.repeat(98) }, 'config_too_large'],
        [{ NUM: 5 }, 'invalid_params'],
      ] as const) {
        const res = await patch(plane, 'bad', body as unknown as Record<string, string>);
        expect(res.statusCode, JSON.stringify(body)).toBe(422);
        expect(res.json().id).toBe(id);
      }
      expect((await plane.api.inject({ url: '/apps/bad/config-vars', headers: auth })).json()).toEqual({});
      expect((await plane.api.inject({ url: '/apps/bad/releases', headers: auth })).json()).toEqual([]);
      expect((await patch(plane, 'nope', { A: '1' })).statusCode).toBe(404);
    });

    it('--no-restart records the release without touching the dynos', async () => {
      const { plane, deployed } = setup();
      await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'lazy' } });
      await deploy(plane, 'lazy');
      await patch(plane, 'lazy', { A: '1' }, '?restart=false');
      await settle(plane);
      expect(deployed).toHaveLength(1);
      const release = (await plane.api.inject({ url: '/apps/lazy/releases/v2', headers: auth })).json<Release>();
      expect(release).toMatchObject({ status: 'succeeded', current: true });
    });

    it('rolls back to the previous release by default, with its code and config, and no build', async () => {
      const { plane, deployed } = setup();
      await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'rb' } });
      await patch(plane, 'rb', { MODE: 'one' });
      await deploy(plane, 'rb');
      await patch(plane, 'rb', { MODE: 'two' });
      await settle(plane);
      const rollback = await plane.api.inject({ method: 'POST', url: '/apps/rb/releases', headers: auth, payload: {} });
      expect(rollback.statusCode).toBe(201);
      expect(rollback.json()).toMatchObject({ version: 4, description: 'Rollback to v2' });
      await settle(plane);
      expect(deployed.at(-1)).toMatchObject({ env: { MODE: 'one' }, release: { version: 4 } });
      expect((await plane.api.inject({ url: '/apps/rb/config-vars', headers: auth })).json()).toEqual({ MODE: 'one' });
      const builds = (await plane.api.inject({ url: '/apps/rb/builds', headers: auth })).json<Build[]>();
      expect(builds).toHaveLength(1);
      const missing = await plane.api.inject({ method: 'POST', url: '/apps/rb/releases', headers: auth, payload: { release: 'v99' } });
      expect(missing.statusCode).toBe(404);
      const slugless = await plane.api.inject({ method: 'POST', url: '/apps/rb/releases', headers: auth, payload: { release: 'v1' } });
      expect(slugless.statusCode).toBe(422);
    });

    it('runs the release phase before the dynos; a failure leaves the previous release serving', async () => {
      const phase = { output: 'migrating...\ndone\n', exitCode: 0 };
      const { plane, deployed, oneOffs } = setup({ processTypes: { web: 'node s.js', release: 'node migrate.js' }, releasePhase: phase });
      await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'rel' } });
      const ok = await deploy(plane, 'rel');
      expect(ok.output).toContain('Running release command: node migrate.js');
      expect(ok.output).toContain('       migrating...');
      expect(oneOffs[0]).toMatchObject({ type: 'release', command: 'node migrate.js' });
      expect(deployed[0]?.processTypes).toEqual({ web: 'node s.js' });
      phase.exitCode = 2;
      const failed = await deploy(plane, 'rel');
      expect(failed.build.error).toMatchObject({ id: 'release_failed' });
      expect(failed.output).toContain('exited with status 2');
      expect(deployed).toHaveLength(1);
      const releases = (await plane.api.inject({ url: '/apps/rel/releases', headers: auth })).json<Release[]>();
      expect(releases.map((r) => [r.version, r.status, r.current])).toEqual([
        [1, 'succeeded', true],
        [2, 'failed', false],
      ]);
    });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PaasError, silentLogger, systemClock, type Build, type Release } from '@paas/core';
import type { AppSpec } from '@paas/dyno-manager';
import type { CompileRequest } from '@paas/slug-compiler';
import { createStore } from '@paas/store';
import { createControlPlane, type ControlPlane } from './control-plane.js';

const TOKEN = 'test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

function setup(behaviour: { compile?: (req: CompileRequest, out: (l: string) => void) => Promise<void>; deploy?: (spec: AppSpec) => Promise<void> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'paas-api-'));
  const store = createStore({ path: ':memory:' });
  const deployed: AppSpec[] = [];
  const removed: string[] = [];
  const artifactsRemoved: string[] = [];
  const plane: ControlPlane = createControlPlane({
    store,
    compiler: {
      async compile(req, out) {
        out('-----> Fake app detected');
        await behaviour.compile?.(req, out);
        return { checksum: 'SHA256:abc', path: join(dir, 'slug.tgz'), size: 3, image: 'paas-slug/x:abc', processTypes: { web: 'node server.js', worker: 'node w.js' }, buildpack: 'Fake' };
      },
      ensureImage: async () => 'paas-slug/x:abc',
    },
    dynos: {
      async deploy(spec) {
        await behaviour.deploy?.(spec);
        deployed.push(spec);
      },
      apply: async () => {},
      remove: async (id) => void removed.push(id),
      listDynos: () => [],
      backends: () => [],
      isCrashed: () => false,
      onChange: () => () => {},
    },
    artifacts: { removeApp: async (app) => void artifactsRemoved.push(app.name) },
    logger: silentLogger,
    clock: systemClock,
    options: {
      domain: 'localhost',
      version: 'test',
      sourcesDir: join(dir, 'sources'),
      maxSourceBytes: 1024,
      maxJsonBodyBytes: 64 * 1024,
      maxRouterWaitSeconds: 55,
      routes: { syncTimeoutMs: 1000, routerStaleMs: 60_000 },
      buildLogsDir: join(dir, 'build-logs'),
      maxBuildLogBytes: 1024 * 1024,
      adminToken: TOKEN,
      adminEmail: 'admin@test',
      webUrl: (app) => `http://${app}.localhost/`,
      stack: 'paas/stack:test',
    },
  });
  cleanups.push(async () => {
    await plane.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { plane, store, deployed, removed, artifactsRemoved };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function deploy(plane: ControlPlane, app: string): Promise<{ build: Build; output: string }> {
  const upload = await plane.api.inject({ method: 'POST', url: `/apps/${app}/sources`, headers: { ...auth, 'content-type': 'application/gzip' }, payload: Buffer.from('fake tarball') });
  expect(upload.statusCode).toBe(201);
  const created = await plane.api.inject({ method: 'POST', url: `/apps/${app}/builds`, headers: auth, payload: { source_blob: { id: upload.json().id, version: 'abcdef1234' } } });
  expect(created.statusCode).toBe(201);
  const build = created.json<Build>();
  const output = await plane.api.inject({ method: 'GET', url: `/apps/${app}/builds/${build.id}/output`, headers: auth });
  await plane.deployer.queue.idle();
  const done = await plane.api.inject({ method: 'GET', url: `/apps/${app}/builds/${build.id}`, headers: auth });
  return { build: done.json<Build>(), output: output.body };
}

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
});

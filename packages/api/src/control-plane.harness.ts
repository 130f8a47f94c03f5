// Shared setup of the control-plane tests: a control plane over an in-memory store and fake engines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { silentLogger, systemClock, type Build, type Clock } from '@paas/core';
import type { AppSpec, OneOffDyno, OneOffRequest } from '@paas/dyno-manager';
import type { CompileRequest } from '@paas/slug-compiler';
import { createStore } from '@paas/store';
import type { AppArtifacts } from './context.js';
import { createControlPlane, type ControlPlane, type ControlPlaneDeps } from './control-plane.js';

/** Artifacts that are never on disk: every operation succeeds and removes nothing. */
export const noArtifacts: AppArtifacts = {
  removeApp: async () => {},
  removeSlug: async () => [],
  sweep: async () => [],
  diskUsage: async () => ({ slugsBytes: 0, cacheBytes: 0 }),
};

export const TOKEN = 'test-token-0123456789';
export const auth = { authorization: `Bearer ${TOKEN}` };

type PlaneOptions = ControlPlaneDeps['options'];

/** The control plane's options in tests: small limits, paths under `dir`. */
export function testApiOptions(dir: string, adminToken: string, overrides: Partial<PlaneOptions> = {}): PlaneOptions {
  return {
    domain: 'localhost',
    version: 'test',
    sourcesDir: join(dir, 'sources'),
    maxSourceBytes: 1024,
    maxJsonBodyBytes: 64 * 1024,
    maxRouterWaitSeconds: 55,
    routes: { syncTimeoutMs: 1000, routerStaleMs: 60_000 },
    outputsDir: join(dir, 'outputs'),
    maxOutputBytes: 1024 * 1024,
    releaseTimeoutMs: 60_000,
    keepReleases: 5,
    loginAttempts: 5,
    loginWindowMs: 60_000,
    maxConfigBytes: 1024,
    adminToken,
    adminEmail: 'admin@test',
    webUrl: (app) => `http://${app}.localhost/`,
    stack: 'paas/stack:test',
    ...overrides,
  };
}

export interface Behaviour {
  compile?: (req: CompileRequest, out: (l: string) => void) => Promise<void>;
  deploy?: (spec: AppSpec) => Promise<void>;
  processTypes?: Record<string, string>;
  /** Release phase: output and exit code of the one-off dyno. */
  releasePhase?: { output: string; exitCode: number };
  /** The control plane's clock (default: the system's). */
  clock?: Clock;
}

function fakeOneOff(req: OneOffRequest, result: { output: string; exitCode: number }): OneOffDyno {
  let listener: ((s: 'stdout' | 'stderr', c: Buffer) => void) | undefined;
  const exited = new Promise<{ exitCode: number }>((resolve) =>
    setImmediate(() => {
      listener?.('stdout', Buffer.from(result.output));
      resolve({ exitCode: result.exitCode });
    }),
  );
  return { name: `${req.type}.1`, id: 'oneoff', onOutput: (l) => void (listener = l), stdin: undefined, resize: async () => {}, signal: async () => {}, exited };
}

export function setup(behaviour: Behaviour = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'paas-api-'));
  const store = createStore({ path: ':memory:' });
  const deployed: AppSpec[] = [];
  const removed: string[] = [];
  const artifactsRemoved: string[] = [];
  const oneOffs: OneOffRequest[] = [];
  const plane: ControlPlane = createControlPlane({
    store,
    compiler: {
      async compile(req, out) {
        out('-----> Fake app detected');
        await behaviour.compile?.(req, out);
        return { checksum: 'SHA256:abc', path: join(dir, 'slug.tgz'), size: 3, image: 'paas-slug/x:abc', processTypes: behaviour.processTypes ?? { web: 'node server.js', worker: 'node w.js' }, buildpack: 'Fake' };
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
      runOneOff: async (req) => {
        oneOffs.push(req);
        return fakeOneOff(req, behaviour.releasePhase ?? { output: '', exitCode: 0 });
      },
      scale: async () => {},
      restart: async () => {},
      stop: async () => {},
      sizes: [],
    },
    artifacts: { ...noArtifacts, removeApp: async (app) => void artifactsRemoved.push(app.name) },
    logger: silentLogger,
    clock: behaviour.clock ?? systemClock,
    options: testApiOptions(dir, TOKEN, { maxConfigBytes: 100 }),
  });
  cleanups.push(async () => {
    await plane.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { plane, store, deployed, removed, artifactsRemoved, oneOffs };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Waits until builds and releases queued so far have finished. */
export async function settle(plane: ControlPlane): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setImmediate(r));
    await plane.releases.queue.idle();
  }
}

export async function deploy(plane: ControlPlane, app: string): Promise<{ build: Build; output: string }> {
  const upload = await plane.api.inject({ method: 'POST', url: `/apps/${app}/sources`, headers: { ...auth, 'content-type': 'application/gzip' }, payload: Buffer.from('fake tarball') });
  expect(upload.statusCode).toBe(201);
  const created = await plane.api.inject({ method: 'POST', url: `/apps/${app}/builds`, headers: auth, payload: { source_blob: { id: upload.json().id, version: 'abcdef1234' } } });
  expect(created.statusCode).toBe(201);
  const build = created.json<Build>();
  const output = await plane.api.inject({ method: 'GET', url: `/apps/${app}/builds/${build.id}/output`, headers: auth });
  await settle(plane);
  const done = await plane.api.inject({ method: 'GET', url: `/apps/${app}/builds/${build.id}`, headers: auth });
  return { build: done.json<Build>(), output: output.body };
}


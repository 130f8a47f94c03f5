// A control plane over an in-memory store and a scriptable dyno manager, for the dyno, formation and run routes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach } from 'vitest';
import { DEFAULT_DYNO_SIZES, silentLogger, systemClock, type Clock } from '@paas/core';
import type { AppSpec, DynoStatus, OneOffDyno, OneOffRequest, RestartTarget } from '@paas/dyno-manager';
import { createStore, type AppRecord, type Store } from '@paas/store';
import { createControlPlane, type ControlPlane } from '../control-plane.js';
import { noArtifacts, testApiOptions } from '../control-plane.harness.js';

export const TOKEN = 'dyno-test-token-0123456789';
export const auth = { authorization: `Bearer ${TOKEN}` };

/** A one-off dyno a test drives: output, exit, and what the client sent it. */
export class ScriptedOneOff implements OneOffDyno {
  readonly stdin = new PassThrough();
  readonly input: string[] = [];
  stdinEnded = false;
  readonly signals: string[] = [];
  readonly resizes: [number, number][] = [];
  readonly exited: Promise<{ exitCode: number }>;
  private listeners: ((s: 'stdout' | 'stderr', c: Buffer) => void)[] = [];
  private resolve!: (r: { exitCode: number }) => void;

  constructor(
    readonly name: string,
    readonly id: string,
    readonly request: OneOffRequest,
  ) {
    this.exited = new Promise((r) => (this.resolve = r));
    this.stdin.on('data', (c: Buffer) => this.input.push(c.toString()));
    this.stdin.on('end', () => (this.stdinEnded = true));
  }

  onOutput(listener: (s: 'stdout' | 'stderr', c: Buffer) => void): void {
    this.listeners.push(listener);
  }
  async resize(columns: number, rows: number): Promise<void> {
    this.resizes.push([columns, rows]);
  }
  async signal(name: string): Promise<void> {
    this.signals.push(name);
  }
  emit(stream: 'stdout' | 'stderr', text: string): void {
    this.listeners.forEach((l) => l(stream, Buffer.from(text)));
  }
  exit(exitCode: number): void {
    this.resolve({ exitCode });
  }
}

export interface Fixture {
  plane: ControlPlane;
  store: Store;
  app: AppRecord;
  /** Calls the dyno manager received, e.g. `scale:web=3:basic`, `restart:web.1`, `deploy:v2`. */
  calls: string[];
  /** What `listDynos` answers. */
  dynos: DynoStatus[];
  oneOffs: ScriptedOneOff[];
  /** Makes the next restart fail with this error. */
  failNext: { error?: unknown };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** An app `shop` with release v1 (web, worker, release types) current, and one web dyno in the formation. */
export function setupDynos(options: { clock?: Clock; rendezvousMs?: number } = {}): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'paas-api-dynos-'));
  const store = createStore({ path: ':memory:' });
  const calls: string[] = [];
  const dynos: DynoStatus[] = [];
  const oneOffs: ScriptedOneOff[] = [];
  const failNext: Fixture['failNext'] = {};
  const formationOf = (f: AppSpec['formation']) =>
    Object.entries(f)
      .map(([t, v]) => `${t}=${v.quantity}:${v.size}`)
      .join(',');
  const plane = createControlPlane({
    store,
    compiler: { compile: async () => Promise.reject(new Error('no builds here')), ensureImage: async () => 'img' },
    dynos: {
      deploy: async (spec) => void calls.push(`deploy:v${spec.release.version}`),
      apply: async () => {},
      remove: async () => {},
      listDynos: () => dynos,
      backends: () => [],
      isCrashed: () => false,
      onChange: () => () => {},
      scale: async (_id, formation) => void calls.push(`scale:${formationOf(formation)}`),
      restart: async (_id, target: RestartTarget) => {
        calls.push(`restart:${'all' in target ? 'all' : 'type' in target ? `type ${target.type}` : target.dyno}`);
        if (failNext.error) {
          const error = failNext.error;
          failNext.error = undefined;
          throw error;
        }
      },
      stop: async (_id, dyno) => void calls.push(`stop:${dyno}`),
      runOneOff: async (req) => {
        const dyno = new ScriptedOneOff(`run.${oneOffs.length + 1}`, `c0ffee${oneOffs.length + 1}`, req);
        oneOffs.push(dyno);
        return dyno;
      },
      sizes: DEFAULT_DYNO_SIZES,
    },
    artifacts: noArtifacts,
    logger: silentLogger,
    clock: options.clock ?? systemClock,
    options: testApiOptions(dir, TOKEN),
  });
  const app = store.createApp('shop');
  store.setConfig(app.id, { GREETING: 'hi' });
  const slug = store.createSlug({
    appId: app.id,
    checksum: 'SHA256:abc',
    path: join(dir, 'slug.tgz'),
    size: 3,
    image: 'paas-slug/shop:abc',
    processTypes: { web: 'node server.js', worker: 'node worker.js', release: 'node migrate.js' },
    buildpack: 'Fake',
    stack: 'paas/stack:test',
    commit: null,
  });
  const release = store.createRelease({ appId: app.id, slugId: slug.id, config: { GREETING: 'hi' }, description: 'Deploy abc', userEmail: 'admin@test', status: 'succeeded' });
  store.setCurrentRelease(app.id, release.id);
  store.setFormation(app.id, 'web', 1, 'basic');
  store.setFormation(app.id, 'worker', 0, 'basic');
  cleanups.push(async () => {
    await plane.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { plane, store, app: store.getApp(app.id), calls, dynos, oneOffs, failNext };
}

export function dynoStatus(name: string, extra: Partial<DynoStatus> = {}): DynoStatus {
  const type = name.split('.')[0]!;
  return {
    id: `id-${name}`,
    name,
    type,
    state: 'up',
    command: `node ${type}.js`,
    size: 'basic',
    release: { id: 'rel', version: 1 },
    since: Date.UTC(2026, 0, 1),
    createdAt: Date.UTC(2026, 0, 1),
    backend: undefined,
    ...extra,
  };
}

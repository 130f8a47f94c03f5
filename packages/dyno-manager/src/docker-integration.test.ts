import { isPaasError, silentLogger, systemClock } from '@paas/core';
import { createDockerRuntime } from '@paas/runtime';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CRASH_BACKOFF } from './backoff.js';
import { createDynoManager } from './dyno-manager.js';
import { DYNO_LABELS } from './labels.js';
import { DEFAULT_DYNO_MANAGER_OPTIONS } from './options.js';
import { createTcpProbe } from './tcp-probe.js';
import type { AppSpec, DynoManager, DynoManagerOptions } from './types.js';

const STACK_IMAGE = process.env['PAAS_TEST_STACK_IMAGE'];
if (!STACK_IMAGE) {
  throw new Error('PAAS_TEST_STACK_IMAGE is not set: set it to the stack image tag (paas/stack:<hash>) to run the Docker integration tests');
}

const runtime = createDockerRuntime();
const NETWORK = 'paas-test-dynos';
const RUN = randomBytes(4).toString('hex');
const APP = { id: `it-app-${RUN}`, name: `it-${RUN}` };
const CRASHY = { id: `it-crashy-${RUN}`, name: `itc-${RUN}` };

/** A one-line web server that answers with its dyno name and release, and drains on SIGTERM. */
const WEB =
  `node -e 'const s = require("http").createServer((q, r) => r.end(process.env.DYNO + " v" + process.env.RELEASE));` +
  ` s.listen(process.env.PORT); process.on("SIGTERM", () => s.close(() => process.exit(0)))'`;

const OPTIONS: DynoManagerOptions = {
  ...DEFAULT_DYNO_MANAGER_OPTIONS,
  network: NETWORK,
  bootTimeoutMs: 5_000,
  stopTimeoutMs: 3_000,
  reconcileIntervalMs: 5_000,
  crashBackoff: { ...DEFAULT_CRASH_BACKOFF, initialMs: 1_000 },
  // Other suites share the engine; their apps must never look like orphans to this manager.
  unknownAppGraceMs: 60 * 60_000,
};

const log: { at: number; app: string; line: string }[] = [];

function createManager(): DynoManager {
  return createDynoManager({
    runtime,
    clock: systemClock,
    random: Math.random,
    probe: createTcpProbe(),
    routes: { sync: () => drain() },
    logger: silentLogger,
    events: (e) => void log.push({ at: Date.now(), app: e.appId, line: `${e.dyno}: ${e.message}` }),
    options: OPTIONS,
  });
}

function spec(version: number, web: number, command = WEB): AppSpec {
  return {
    app: APP,
    release: { id: `rel-${RUN}-${version}`, version, image: STACK_IMAGE! },
    env: { RELEASE: String(version) },
    processTypes: { web: command },
    formation: { web: { quantity: web, size: 'eco' } },
  };
}

/** Requests in flight, so a route sync can wait for them as a router's drain would. */
let inFlight = 0;
const drained = new Set<() => void>();
async function drain(): Promise<void> {
  if (inFlight > 0) await new Promise<void>((resolve) => drained.add(resolve));
}

function get(host: string, port: number): Promise<string> {
  inFlight++;
  return new Promise<string>((resolve, reject) => {
    const req = request({ host, port, path: '/', agent: false, timeout: 3_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  }).finally(() => {
    if (--inFlight === 0) drained.forEach((d) => (drained.delete(d), d()));
  });
}

async function getAll(manager: DynoManager): Promise<string[]> {
  return Promise.all(manager.backends(APP.id).map((b) => get(b.host, b.port)));
}

async function containersOf(appId: string) {
  return runtime.listContainers({ [DYNO_LABELS.appId]: appId });
}

let manager: DynoManager;

beforeAll(async () => {
  await runtime.ping();
  await runtime.ensureNetwork(NETWORK, { interContainer: false });
  manager = createManager();
  await manager.start();
});

afterAll(async () => {
  await manager?.close();
  for (const app of [APP, CRASHY]) {
    for (const c of await containersOf(app.id)) await runtime.removeContainer(c.id, { force: true });
  }
});

describe('dyno manager on Docker', { timeout: 60_000 }, () => {
  it('deploys a web dyno that answers on its backend address', async () => {
    await manager.deploy(spec(1, 1));
    const [dyno] = manager.listDynos(APP.id);
    expect(dyno).toMatchObject({ name: 'web.1', state: 'up', size: 'eco' });
    // From container creation to accepting on $PORT, on the manager's clock.
    expect(dyno!.since - dyno!.createdAt).toBeLessThan(OPTIONS.bootTimeoutMs);
    expect(await getAll(manager)).toEqual(['web.1 v1']);
    const [info] = await containersOf(APP.id);
    expect(info?.labels).toMatchObject({ 'paas.managed': '1', 'paas.kind': 'dyno', 'paas.dyno': 'web.1', 'paas.release_version': '1' });
  });

  it('scales to 3 and back to 1', async () => {
    await manager.apply(spec(1, 3));
    await vi.waitFor(() => expect(manager.backends(APP.id)).toHaveLength(3), { timeout: 15_000, interval: 50 });
    expect((await getAll(manager)).sort()).toEqual(['web.1 v1', 'web.2 v1', 'web.3 v1']);
    await manager.apply(spec(1, 1));
    expect(await getAll(manager)).toEqual(['web.1 v1']);
    expect((await containersOf(APP.id)).map((c) => c.labels['paas.dyno'])).toEqual(['web.1']);
  });

  it('replaces a killed dyno quickly', async () => {
    const [before] = manager.listDynos(APP.id);
    const killedAt = Date.now();
    await runtime.killContainer(before!.id);
    await vi.waitFor(
      () => {
        const [after] = manager.listDynos(APP.id);
        expect(after?.id).not.toBe(before!.id);
        expect(after?.state).toBe('up');
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(await getAll(manager)).toEqual(['web.1 v1']);
    expect(log.map((l) => l.line)).toContain('web.1: Process exited with status 137');
  });

  it('redeploys with zero failed requests', async () => {
    await manager.apply(spec(1, 2));
    await vi.waitFor(() => expect(manager.backends(APP.id)).toHaveLength(2), { timeout: 15_000, interval: 50 });
    let stop = false;
    const bodies: string[] = [];
    const failures: unknown[] = [];
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        const backends = manager.backends(APP.id);
        const b = backends[i % backends.length];
        if (!b) {
          failures.push(new Error('no backends'));
          continue;
        }
        await get(b.host, b.port).then(
          (body) => void bodies.push(body),
          (err: unknown) => void failures.push(err),
        );
      }
    })();
    await vi.waitFor(() => expect(bodies.length).toBeGreaterThan(20), { timeout: 5_000, interval: 10 });
    await manager.deploy(spec(2, 2));
    const afterDeploy = bodies.length;
    await vi.waitFor(() => expect(bodies.length).toBeGreaterThan(afterDeploy + 20), { timeout: 5_000, interval: 10 });
    stop = true;
    await loop;
    expect(failures).toEqual([]);
    expect(bodies).toContain('web.1 v1');
    expect(bodies.slice(-10).every((b) => b.endsWith(' v2'))).toBe(true);
    expect((await containersOf(APP.id)).map((c) => c.labels['paas.release_version'])).toEqual(['2', '2']);
  });

  it('rolls back a deploy whose web process never listens (R10), leaving the old dynos serving', async () => {
    const ids = manager.listDynos(APP.id).map((d) => d.id);
    const started = Date.now();
    const err = await manager.deploy(spec(3, 2, 'sleep 600')).catch((e: unknown) => e);
    expect(isPaasError(err, 'dyno_boot_timeout')).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(OPTIONS.bootTimeoutMs);
    expect(log.map((l) => l.line)).toContain('web.1: Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 5 seconds of launch');
    expect(manager.listDynos(APP.id).map((d) => d.id)).toEqual(ids);
    expect((await containersOf(APP.id)).map((c) => c.labels['paas.release_version'])).toEqual(['2', '2']);
    expect((await getAll(manager)).sort()).toEqual(['web.1 v2', 'web.2 v2']);
  });

  it('fails a deploy fast when the new web process crashes at boot', async () => {
    const started = Date.now();
    const err = await manager.deploy(spec(4, 2, 'echo broken >&2; exit 1')).catch((e: unknown) => e);
    expect(isPaasError(err, 'dyno_boot_timeout')).toBe(true);
    expect((err as Error).message).toMatch(/exited with status 1/);
    expect(Date.now() - started).toBeLessThan(OPTIONS.bootTimeoutMs);
    expect((await getAll(manager)).sort()).toEqual(['web.1 v2', 'web.2 v2']);
  });

  it('lets a second manager adopt the same containers without restarting them', async () => {
    const ids = manager.listDynos(APP.id).map((d) => d.id);
    await manager.close();
    manager = createManager();
    await manager.start();
    await manager.apply(spec(2, 2));
    expect(manager.listDynos(APP.id).map((d) => `${d.id}:${d.state}`)).toEqual(ids.map((id) => `${id}:up`));
    expect((await getAll(manager)).sort()).toEqual(['web.1 v2', 'web.2 v2']);
    expect((await containersOf(APP.id)).map((c) => c.id).sort()).toEqual([...ids].sort());
  });

  it('restarts a crashing process with a growing cool-off', async () => {
    await manager.apply({
      app: CRASHY,
      release: { id: `rel-${RUN}-crashy`, version: 1, image: STACK_IMAGE },
      env: {},
      processTypes: { worker: 'sleep 0.3; exit 3' },
      formation: { worker: { quantity: 1, size: 'eco' } },
    });
    const lines = () => log.filter((l) => l.app === CRASHY.id);
    await vi.waitFor(() => expect(lines().filter((l) => l.line.endsWith('status 3'))).toHaveLength(4), { timeout: 30_000, interval: 50 });
    // Time from each crash to the next start: at once, then 1 s, 2 s (the configured schedule).
    const crashes = lines().filter((l) => l.line.endsWith('status 3')).map((l) => l.at);
    const starts = lines().filter((l) => l.line.includes('Starting process')).map((l) => l.at);
    const waits = crashes.slice(0, 3).map((c) => starts.find((s) => s >= c)! - c);
    expect(waits[0]).toBeLessThan(1_000);
    expect(waits[1]).toBeGreaterThanOrEqual(1_000);
    expect(waits[1]).toBeLessThan(2_000);
    expect(waits[2]).toBeGreaterThanOrEqual(2_000);
    expect(waits[2]).toBeLessThan(3_000);
    await manager.remove(CRASHY.id);
    expect(await containersOf(CRASHY.id)).toEqual([]);
  });

  it('reports an OOM kill as R15 and restarts the dyno', async () => {
    await manager.apply({
      app: CRASHY,
      release: { id: `rel-${RUN}-hungry`, version: 2, image: STACK_IMAGE },
      env: {},
      processTypes: { worker: `node -e 'const a = []; for (;;) a.push(Buffer.alloc(1 << 24, 1))'` },
      formation: { worker: { quantity: 1, size: 'eco' } },
    });
    const lines = () => log.filter((l) => l.app === CRASHY.id && l.at >= started).map((l) => l.line);
    const started = Date.now();
    await vi.waitFor(() => expect(lines()).toContain('worker.1: Process exited with status 137'), { timeout: 30_000, interval: 50 });
    const exit = lines().indexOf('worker.1: Process exited with status 137');
    expect(lines().slice(exit - 2, exit + 2)).toEqual([
      'worker.1: Error R15 (Memory quota vastly exceeded)',
      'worker.1: Stopping process with SIGKILL',
      'worker.1: Process exited with status 137',
      'worker.1: State changed from up to crashed',
    ]);
    await manager.remove(CRASHY.id);
    expect(await containersOf(CRASHY.id)).toEqual([]);
  });

  it('removes every dyno of an app', async () => {
    await manager.remove(APP.id);
    expect(await containersOf(APP.id)).toEqual([]);
    expect(manager.backends(APP.id)).toEqual([]);
  });
});

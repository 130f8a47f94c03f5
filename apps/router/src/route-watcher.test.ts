import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouterTableRequest } from '@paas/client';
import type { Logger, RouteTable } from '@paas/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRouteWatcher } from './route-watcher.js';
import { createFileTableStore } from './table-store.js';

type Step = RouteTable | null | Error;

/** A control API answering from a script; once the script is used up, it holds polls until aborted. */
class FakeSource {
  readonly calls: RouterTableRequest[] = [];
  private readonly waiters: (() => void)[] = [];
  constructor(private readonly script: Step[]) {}
  async routerTable(req: RouterTableRequest): Promise<RouteTable | null> {
    this.calls.push({ ...req, signal: undefined });
    for (const w of this.waiters.splice(0)) w();
    const step = this.script.shift();
    if (step === undefined) {
      return new Promise((_resolve, reject) => req.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    }
    if (step instanceof Error) throw step;
    return step;
  }
  /** Resolves once the API has been called `n` times. */
  async called(n: number): Promise<void> {
    while (this.calls.length < n) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

/** A router whose applyTable completes when the test says so (draining takes time). */
class FakeRouter {
  current: RouteTable = { version: 0, apps: [] };
  readonly applied: number[] = [];
  private pending: (() => void) | undefined;
  holdApply = false;
  table(): RouteTable {
    return this.current;
  }
  applyTable(t: RouteTable): Promise<void> {
    this.applied.push(t.version);
    this.current = t;
    if (!this.holdApply) return Promise.resolve();
    return new Promise((resolve) => (this.pending = resolve));
  }
  finishApply(): void {
    this.pending?.();
  }
}

function recorder() {
  const entries: { level: string; msg: string | undefined }[] = [];
  const at = (level: string) => (_obj: object, msg?: string) => void entries.push({ level, msg });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return { logger, entries };
}

const t = (version: number): RouteTable => ({ version, apps: [{ app: `v${version}`, hosts: [`v${version}.localhost`], state: 'up', backends: [] }] });

describe('route watcher', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'route-watcher-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('applies tables in order, saves them, and reports a version only after it is applied', async () => {
    const source = new FakeSource([t(1), null, t(2)]);
    const router = new FakeRouter();
    const store = createFileTableStore(join(dir, 'router', 'table.json'));
    const { logger } = recorder();
    const stop = new AbortController();
    const running = createRouteWatcher({ source, router, store, logger, routerId: 'r1', sleep: async () => {} }).run(stop.signal);

    await source.called(4);
    stop.abort();
    await running;
    expect(router.applied).toEqual([1, 2]);
    expect(source.calls.map((c) => c.since)).toEqual([0, 1, 1, 2]);
    expect(source.calls.every((c) => c.routerId === 'r1' && c.waitSeconds === 25)).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'router', 'table.json'), 'utf8'))).toEqual(t(2));
    expect(await store.load()).toEqual(t(2));
  });

  it('does not poll again, nor report the version, while the router is draining', async () => {
    const source = new FakeSource([t(7)]);
    const router = new FakeRouter();
    router.holdApply = true;
    const store = createFileTableStore(join(dir, 'table.json'));
    const stop = new AbortController();
    const running = createRouteWatcher({ source, router, store, logger: recorder().logger, routerId: 'r1', sleep: async () => {} }).run(stop.signal);
    await source.called(1);
    // applyTable is pending: give the watcher every chance to poll again.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(router.applied).toEqual([7]);
    expect(source.calls).toHaveLength(1);
    expect(await store.load()).toBeUndefined();
    router.finishApply();
    await source.called(2);
    expect(source.calls[1]!.since).toBe(7);
    expect(await store.load()).toEqual(t(7));
    stop.abort();
    await running;
  });

  it('retries with a capped backoff while the API is down, logging once per outage', async () => {
    const down = () => new Error('connect ECONNREFUSED');
    const source = new FakeSource([down(), down(), down(), down(), down(), down(), down(), t(3), down(), down(), null]);
    const router = new FakeRouter();
    const { logger, entries } = recorder();
    const delays: number[] = [];
    const stop = new AbortController();
    const running = createRouteWatcher({
      source,
      router,
      store: createFileTableStore(join(dir, 'table.json')),
      logger,
      routerId: 'r1',
      sleep: async (ms) => void delays.push(ms),
    }).run(stop.signal);
    await source.called(12);
    stop.abort();
    await running;
    expect(delays).toEqual([200, 400, 800, 1600, 2000, 2000, 2000, 200, 400]);
    expect(router.applied).toEqual([3]);
    expect(entries.filter((e) => e.level === 'warn' && e.msg?.includes('unreachable'))).toHaveLength(2);
    expect(entries.filter((e) => e.msg === 'control plane reachable again')).toHaveLength(2);
  });

  it('starts from the version the router already serves and backs off on tables that are not newer', async () => {
    const source = new FakeSource([t(4), t(5)]);
    const router = new FakeRouter();
    router.current = t(5);
    const delays: number[] = [];
    const stop = new AbortController();
    const running = createRouteWatcher({
      source,
      router,
      store: createFileTableStore(join(dir, 'table.json')),
      logger: recorder().logger,
      routerId: 'r1',
      sleep: async (ms) => void delays.push(ms),
    }).run(stop.signal);
    await source.called(3);
    stop.abort();
    await running;
    expect(source.calls[0]!.since).toBe(5);
    expect(router.applied).toEqual([]);
    expect(delays).toEqual([200, 400]);
  });
});

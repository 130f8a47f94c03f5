import { silentLogger, type Clock } from '@paas/core';
import { FakeClock } from '@paas/core/testing';
import { FakeRuntime } from '@paas/runtime/testing';
import { createDynoManager } from './dyno-manager.js';
import { DEFAULT_DYNO_MANAGER_OPTIONS } from './options.js';
import { FakePortProbe, FakeRouteSync } from './testing.js';
import type { AppSpec, DynoManager, DynoManagerOptions } from './types.js';

export const APP_ID = 'app-0001';

/** A deterministic random source (LCG), so container names are unique yet reproducible. */
export function seededRandom(seed = 42): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export function appSpec(version: number, formation: Record<string, number> = { web: 1 }, size = 'basic'): AppSpec {
  return {
    app: { id: APP_ID, name: 'shop' },
    release: { id: `rel-${version}`, version, image: `paas/slug:shop-v${version}` },
    env: { GREETING: 'hi' },
    processTypes: { web: 'node server.js', worker: 'node worker.js', clock: 'node clock.js' },
    formation: Object.fromEntries(Object.entries(formation).map(([type, quantity]) => [type, { quantity, size }])),
  };
}

export interface Harness {
  clock: FakeClock;
  runtime: FakeRuntime;
  probe: FakePortProbe;
  routes: FakeRouteSync;
  /** App log lines as `web.1: message`. */
  log: string[];
  manager: DynoManager;
  /** Another manager over the same engine, clock and probe (as after a control-plane restart). */
  another(): DynoManager;
  /** Running dyno containers of the app, as `web.1@rel-1`, sorted. */
  running(): string[];
  idOf(dyno: string): string;
}

export const TEST_OPTIONS: DynoManagerOptions = { ...DEFAULT_DYNO_MANAGER_OPTIONS, network: 'dynos' };

export function createHarness(options: Partial<DynoManagerOptions> = {}): Harness {
  const clock = new FakeClock();
  const runtime = new FakeRuntime({ clock });
  const probe = new FakePortProbe();
  const routes = new FakeRouteSync();
  const log: string[] = [];
  const random = seededRandom();
  const make = (c: Clock) =>
    createDynoManager({
      runtime,
      clock: c,
      random,
      probe,
      routes,
      logger: silentLogger,
      events: (e) => void log.push(`${e.dyno}: ${e.message}`),
      options: { ...TEST_OPTIONS, ...options },
    });
  const running = () =>
    runtime
      .running({ 'paas.app_id': APP_ID })
      .map((c) => `${c.labels['paas.dyno']}@${c.labels['paas.release_id']}`)
      .sort();
  const idOf = (dyno: string) => {
    const found = runtime.running({ 'paas.app_id': APP_ID, 'paas.dyno': dyno });
    if (found.length !== 1) throw new Error(`expected one running ${dyno}, found ${found.length}`);
    return found[0]!.id;
  };
  return { clock, runtime, probe, routes, log, manager: make(clock), another: () => make(clock), running, idOf };
}

/**
 * Lets every pending promise chain run. The fakes never wait on real time, so once the microtask queue
 * has drained (a macrotask turn) the manager is idle until the fake clock moves or a fake container acts.
 */
export async function idle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Moves the fake clock in steps of at most `stepMs`, letting the manager run between steps, so work that a
 * timer starts (and the timers it sets in turn) happens at about the time it would in real life.
 */
export async function advance(clock: FakeClock, ms: number, stepMs = 1_000): Promise<void> {
  await idle();
  for (let left = ms; left > 0; left -= stepMs) {
    clock.advance(Math.min(stepMs, left));
    await idle();
  }
}

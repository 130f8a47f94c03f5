import { silentLogger } from '@paas/core';
import { FakeClock } from '@paas/core/testing';
import { FakeRuntime } from '@paas/runtime/testing';
import { describe, expect, it } from 'vitest';
import type { DynoRecord } from './app-state.js';
import { watchBoot } from './boot-watch.js';
import type { ManagerContext } from './context.js';
import { resolveOptions } from './options.js';
import { TEST_OPTIONS } from './manager.harness.js';
import { platformSelector } from './labels.js';
import { FakePortProbe, FakeRouteSync } from './testing.js';

function setup(ip: string | undefined) {
  const clock = new FakeClock();
  const probe = new FakePortProbe();
  probe.autoAccept = false;
  const shutdown = new AbortController();
  const ctx: ManagerContext = {
    runtime: new FakeRuntime({ clock }),
    clock,
    random: Math.random,
    probe,
    routes: new FakeRouteSync(),
    logger: silentLogger,
    options: resolveOptions(TEST_OPTIONS),
    selector: platformSelector('test'),
    apps: new Map(),
    shutdown: shutdown.signal,
    emitChange: () => {},
    appLog: () => {},
    engine: { lost: false, pardonUntil: 0 },
    requestPass: async () => {},
  };
  const rec = { state: 'starting', ip, stopping: false, done: new AbortController() } as DynoRecord;
  return { ctx, clock, probe, rec, shutdown };
}

describe('watchBoot', () => {
  it('is up once the probe accepts', async () => {
    const { ctx, probe, rec } = setup('10.0.0.9');
    const outcome = watchBoot(ctx, rec, 1_000);
    probe.accept('10.0.0.9');
    expect(await outcome).toBe('up');
  });

  it('times out on the clock', async () => {
    const { ctx, clock, rec } = setup('10.0.0.9');
    const outcome = watchBoot(ctx, rec, 1_000);
    clock.advance(1_000);
    expect(await outcome).toBe('timeout');
  });

  it('ends as exited when the process ends, with or without an address', async () => {
    for (const ip of ['10.0.0.9', undefined]) {
      const { ctx, rec } = setup(ip);
      const outcome = watchBoot(ctx, rec, 60_000);
      rec.done.abort();
      expect(await outcome).toBe('exited');
    }
  });

  it('ends at once when its signal has already aborted, with or without an address', async () => {
    for (const ip of ['10.0.0.9', undefined]) {
      const { ctx, clock, rec } = setup(ip);
      const signal = AbortSignal.abort();
      expect(await watchBoot(ctx, rec, 60_000, signal)).toBe('aborted');
      expect(clock.pendingTimers).toBe(0);
    }
  });

  it('ends when the manager closes', async () => {
    const { ctx, rec, shutdown } = setup(undefined);
    const outcome = watchBoot(ctx, rec, 60_000);
    shutdown.abort();
    expect(await outcome).toBe('aborted');
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { cycleDeadline } from './cycle-deadline.js';
import { CYCLE_RETRY_MS } from './cycling.js';
import { APP_ID, advance, appSpec, createHarness, idle, type Harness } from './manager.harness.js';

const HOUR = 60 * 60_000;
const MAX_AGE = 24 * HOUR;
const JITTER = 216 * 60_000;

let h: Harness;
afterEach(async () => {
  // The pure tests make no harness.
  if (h) await h.manager.close();
});

const ids = () => h.runtime.running({ 'paas.app_id': APP_ID }).map((c) => c.id).sort();

describe('cycleDeadline', () => {
  it('is max age plus a random share of the jitter, or never with cycling off', () => {
    const options = { maxAgeMs: MAX_AGE, cycleJitterMs: JITTER };
    expect(cycleDeadline(1_000, options, () => 0)).toBe(1_000 + MAX_AGE);
    expect(cycleDeadline(1_000, options, () => 0.5)).toBe(1_000 + MAX_AGE + JITTER / 2);
    expect(cycleDeadline(1_000, options, () => 0.999999)).toBeLessThan(1_000 + MAX_AGE + JITTER);
    expect(cycleDeadline(1_000, { maxAgeMs: 0, cycleJitterMs: JITTER }, () => 0.5)).toBeUndefined();
  });
});

describe('daily cycling', () => {
  it('replaces every dyno once between max age and max age plus jitter, logging Cycling', async () => {
    h = createHarness({ maxAgeMs: MAX_AGE, cycleJitterMs: JITTER });
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 2, worker: 1 }));
    const first = ids();
    await advance(h.clock, MAX_AGE - 60_000, HOUR);
    expect(ids()).toEqual(first);
    expect(h.log.filter((l) => l.endsWith('Cycling'))).toEqual([]);

    await advance(h.clock, JITTER + 60_000, 60_000);
    const second = ids();
    expect(second).toHaveLength(3);
    expect(second.some((id) => first.includes(id))).toBe(false);
    expect(h.log.filter((l) => l.endsWith('Cycling')).sort()).toEqual(['web.1: Cycling', 'web.2: Cycling', 'worker.1: Cycling']);
    expect(h.running()).toEqual(['web.1@rel-1', 'web.2@rel-1', 'worker.1@rel-1']);
    expect(h.manager.backends(APP_ID).map((b) => b.dyno)).toEqual(['web.1', 'web.2']);
    // Each dyno drew its own jitter: they did not all leave at once.
    const cycledAt = new Set(h.runtime.running({ 'paas.app_id': APP_ID }).map((c) => c.createdAt.getTime()));
    expect(cycledAt.size).toBe(3);
  });

  it('starts and routes the replacement before the old dyno is unrouted, drained and stopped', async () => {
    h = createHarness({ maxAgeMs: MAX_AGE, cycleJitterMs: 0 });
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 1 }));
    const old = h.idOf('web.1');
    const oldHost = h.manager.backends(APP_ID)[0]!.host;
    const seen: string[][] = [];
    h.manager.onChange(() => seen.push(h.manager.backends(APP_ID).map((b) => b.host)));
    h.routes.onSync = () => void h.runtime.calls.push('sync');
    h.runtime.calls.length = 0;
    await advance(h.clock, MAX_AGE, HOUR);

    expect(h.idOf('web.1')).not.toBe(old);
    // Traffic always had somewhere to go: never an empty backend list.
    expect(seen.every((hosts) => hosts.length === 1)).toBe(true);
    expect(seen.at(-1)).not.toEqual([oldHost]);
    const calls = h.runtime.calls.map((c) => c.split(':')[0]);
    expect(calls.indexOf('start')).toBeLessThan(calls.indexOf('sync'));
    expect(calls.indexOf('sync')).toBeLessThan(calls.indexOf('stop'));
    expect(h.log.slice(-6)).toEqual([
      'web.1: Cycling',
      'web.1: Starting process with command `node server.js`',
      'web.1: State changed from starting to up',
      'web.1: Stopping all processes with SIGTERM',
      'web.1: Process exited with status 143',
      'web.1: State changed from up to down',
    ]);
  });

  it('cycles one web dyno at a time', async () => {
    h = createHarness({ maxAgeMs: MAX_AGE, cycleJitterMs: 0 });
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 3 }));
    h.probe.autoAccept = false;
    const deadline = h.clock.now() + MAX_AGE;
    await advance(h.clock, MAX_AGE, HOUR);
    expect(h.clock.now()).toBe(deadline);
    for (let round = 1; round <= 3; round++) {
      // Exactly one replacement boots at a time; the others wait their turn.
      await vi.waitFor(() => expect(h.probe.waiting).toHaveLength(1));
      expect(h.manager.listDynos(APP_ID).filter((d) => d.state === 'starting')).toHaveLength(1);
      expect(h.manager.backends(APP_ID)).toHaveLength(3);
      h.probe.accept(h.probe.waiting[0]!);
      await idle();
    }
    await idle();
    expect(h.probe.waiting).toEqual([]);
    expect(h.log.filter((l) => l.endsWith('Cycling'))).toEqual(['web.1: Cycling', 'web.2: Cycling', 'web.3: Cycling']);
    expect(h.running()).toEqual(['web.1@rel-1', 'web.2@rel-1', 'web.3@rel-1']);
  });

  it('keeps the old dyno serving when its replacement does not come up, and tries again later', async () => {
    h = createHarness({ maxAgeMs: MAX_AGE, cycleJitterMs: 0, bootTimeoutMs: 60_000 });
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 1 }));
    const old = h.idOf('web.1');
    h.probe.autoAccept = false;
    await advance(h.clock, MAX_AGE + 60_000, 10_000);
    expect(h.log).toContain('web.1: Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 seconds of launch');
    expect(ids()).toEqual([old]);
    expect(h.manager.backends(APP_ID)).toHaveLength(1);

    h.probe.autoAccept = true;
    await advance(h.clock, CYCLE_RETRY_MS, 10_000);
    expect(ids()).not.toContain(old);
    expect(h.manager.backends(APP_ID)).toHaveLength(1);
  });

  it('counts an adopted dyno’s age from its container’s creation', async () => {
    h = createHarness({ maxAgeMs: MAX_AGE, cycleJitterMs: 0 });
    await h.manager.apply(appSpec(1));
    await h.manager.close();
    const old = h.idOf('web.1');
    await advance(h.clock, MAX_AGE - HOUR, HOUR);
    h.manager = h.another();
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    await advance(h.clock, HOUR - 60_000, 60_000);
    expect(h.idOf('web.1')).toBe(old);
    await advance(h.clock, 120_000, 60_000);
    expect(h.idOf('web.1')).not.toBe(old);
  });

  it('does nothing with cycling off', async () => {
    h = createHarness({ maxAgeMs: 0 });
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    const old = h.idOf('web.1');
    await advance(h.clock, 30 * MAX_AGE, 12 * HOUR);
    expect(h.idOf('web.1')).toBe(old);
  });
});

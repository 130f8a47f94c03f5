import { describe, expect, it } from 'vitest';
import { DEFAULT_CRASH_BACKOFF, crashRestartDelay, reconnectDelay, recordCrash } from './backoff.js';

describe('crash backoff', () => {
  it('restarts the first crash at once, then doubles from 5 s up to 20 minutes', () => {
    const delays = Array.from({ length: 12 }, (_, i) => crashRestartDelay(i + 1, DEFAULT_CRASH_BACKOFF) / 1000);
    expect(delays).toEqual([0, 5, 10, 20, 40, 80, 160, 320, 640, 1200, 1200, 1200]);
  });

  it('counts consecutive crashes of one release', () => {
    const first = recordCrash(undefined, { releaseId: 'r1', now: 0, upForMs: 1_000 }, DEFAULT_CRASH_BACKOFF);
    const second = recordCrash(first, { releaseId: 'r1', now: 100, upForMs: 1_000 }, DEFAULT_CRASH_BACKOFF);
    expect([first.count, first.restartAt, second.count, second.restartAt]).toEqual([1, 0, 2, 5_100]);
  });

  it('starts over after a new release or a long enough time up', () => {
    const prior = { releaseId: 'r1', count: 6, at: 0, restartAt: 0 };
    const policy = DEFAULT_CRASH_BACKOFF;
    expect(recordCrash(prior, { releaseId: 'r2', now: 0, upForMs: 0 }, policy).count).toBe(1);
    expect(recordCrash(prior, { releaseId: 'r1', now: 0, upForMs: policy.resetAfterMs }, policy).count).toBe(1);
    expect(recordCrash(prior, { releaseId: 'r1', now: 0, upForMs: policy.resetAfterMs - 1 }, policy).count).toBe(7);
  });

  it('reconnects to the engine quickly at first, then every 5 s', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(reconnectDelay)).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
  });
});

import { describe, expect, it } from 'vitest';
import { Backend } from './backend.js';
import { pickBackend } from './balancer.js';

const limits = { maxIdle: 1, idleTimeoutMs: 1000 };
const make = (n: number) => Array.from({ length: n }, (_, i) => new Backend(`k${i}`, 'app', `web.${i + 1}`, '127.0.0.1', 1000 + i, limits));

/** Yields the given values in turn. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('pickBackend', () => {
  it('returns undefined without backends', () => {
    expect(pickBackend([], 0, Math.random, null)).toBeUndefined();
  });

  it('takes the less loaded of two random draws', () => {
    const [a, b, c] = make(3);
    a!.inflight = 5;
    b!.inflight = 1;
    // Draws index 0 (a) and then 0 of the remaining two, i.e. b.
    expect(pickBackend([a!, b!, c!], 0, sequence(0, 0), null)).toBe(b);
    b!.inflight = 9;
    expect(pickBackend([a!, b!, c!], 0, sequence(0, 0), null)).toBe(a);
  });

  it('skips penalized backends and the ones this request tried', () => {
    const [a, b, c] = make(3);
    a!.penalize('H21', 0, 5000);
    expect(pickBackend([a!, b!, c!], 100, sequence(0, 0), [b!])).toBe(c);
    expect(pickBackend([a!, b!, c!], 100, Math.random, [b!, c!])).toBeUndefined();
    // The penalty ends.
    expect(pickBackend([a!], 5000, Math.random, null)).toBe(a);
    expect(pickBackend([a!], 4999, Math.random, null)).toBeUndefined();
  });

  it('spreads over all backends', () => {
    const list = make(4);
    const seen = new Set<Backend>();
    for (let i = 0; i < 200; i++) seen.add(pickBackend(list, 0, Math.random, null)!);
    expect(seen.size).toBe(4);
  });
});

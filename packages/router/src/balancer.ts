import type { Backend } from './backend.js';

/**
 * Random choice of two, then the one with fewer requests in flight ("power of two choices"): spreads
 * like least-outstanding without a scan, and without every router herding onto the same dyno.
 * Penalized backends and those this request already tried are skipped. No allocation.
 */
export function pickBackend(
  backends: readonly Backend[],
  now: number,
  random: () => number,
  tried: readonly Backend[] | null,
): Backend | undefined {
  const n = backends.length;
  if (n === 0) return undefined;
  if (n === 1) {
    const only = backends[0]!;
    return usable(only, now, tried) ? only : undefined;
  }
  const i = Math.floor(random() * n);
  let j = Math.floor(random() * (n - 1));
  if (j >= i) j++;
  const a = backends[i]!;
  const b = backends[j]!;
  const okA = usable(a, now, tried);
  const okB = usable(b, now, tried);
  if (okA && okB) return b.inflight < a.inflight ? b : a;
  if (okA) return a;
  if (okB) return b;
  // Both draws were unusable: take the least loaded usable one, if any.
  let best: Backend | undefined;
  for (let k = 0; k < n; k++) {
    const c = backends[(i + k) % n]!;
    if (usable(c, now, tried) && (best === undefined || c.inflight < best.inflight)) best = c;
  }
  return best;
}

function usable(b: Backend, now: number, tried: readonly Backend[] | null): boolean {
  return b.penalizedUntil <= now && (tried === null || !tried.includes(b));
}

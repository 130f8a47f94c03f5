import type { DynoRecord } from './app-state.js';
import type { ManagerContext } from './context.js';

/** How a boot ended: accepting on $PORT, the process gone, out of time, or no longer anyone's concern. */
export type BootOutcome = 'up' | 'exited' | 'timeout' | 'aborted';

/**
 * Waits until a starting web dyno accepts TCP on $PORT at its address on the dynos' network. The deadline
 * runs on the injected clock; the process ending (its `done` signal), `signal` or the manager closing end
 * the wait early.
 */
export async function watchBoot(ctx: ManagerContext, rec: DynoRecord, timeoutMs: number, signal?: AbortSignal): Promise<BootOutcome> {
  if (rec.state !== 'starting') return rec.state === 'up' ? 'up' : 'exited';
  const stop = new AbortController();
  let timedOut = false;
  const timer = ctx.clock.setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, timeoutMs);
  const sources = [rec.done.signal, ctx.shutdown, ...(signal ? [signal] : [])];
  const onAbort = () => stop.abort();
  sources.forEach((s) => s.addEventListener('abort', onAbort, { once: true }));
  if (sources.some((s) => s.aborted)) stop.abort();
  try {
    // Without an address (the container exited before it got one) there is nothing to probe: wait for the end.
    const accepted =
      rec.ip === undefined
        ? await whenAborted(stop.signal).then(() => false)
        : await ctx.probe.waitForPort(rec.ip, ctx.options.port, timeoutMs, stop.signal);
    if (rec.done.signal.aborted) return rec.stopping ? 'aborted' : 'exited';
    if (accepted) return 'up';
    if (ctx.shutdown.aborted || signal?.aborted) return 'aborted';
    // Out of time on the clock, or on the probe's own deadline, which is the same one.
    return timedOut || !stop.signal.aborted ? 'timeout' : 'aborted';
  } finally {
    ctx.clock.clearTimeout(timer);
    sources.forEach((s) => s.removeEventListener('abort', onAbort));
  }
}

function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

import { connect } from 'node:net';
import { systemClock, type Clock } from '@paas/core';
import { delay } from './context.js';
import type { PortProbe } from './types.js';

export interface TcpProbeOptions {
  clock?: Clock;
  /** Pause between refused attempts. */
  intervalMs?: number;
  /** Longest single connection attempt (a SYN that is dropped rather than refused). */
  attemptTimeoutMs?: number;
}

/**
 * A probe that only opens TCP connections: it never sends a byte, so any protocol (HTTP, raw TCP,
 * WebSocket-only servers) counts as up once it listens, as with Heroku's R10 check.
 */
export function createTcpProbe(options: TcpProbeOptions = {}): PortProbe {
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? 50;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 1_000;
  return {
    async waitForPort(host, port, timeoutMs, signal) {
      const deadline = clock.now() + timeoutMs;
      while (!signal?.aborted) {
        const remaining = deadline - clock.now();
        if (remaining <= 0) return false;
        if (await tryConnect(clock, host, port, Math.min(remaining, attemptTimeoutMs), signal)) return true;
        const left = deadline - clock.now();
        if (left <= 0) return false;
        await delay(clock, Math.min(intervalMs, left), signal);
      }
      return false;
    },
  };
}

function tryConnect(clock: Clock, host: string, port: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const socket = connect({ host, port });
    socket.on('error', () => finish(false));
    socket.once('connect', () => finish(true));
    const timer = clock.setTimeout(() => finish(false), timeoutMs);
    const onAbort = () => finish(false);
    signal?.addEventListener('abort', onAbort, { once: true });
    function finish(accepted: boolean) {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(accepted);
    }
  });
}

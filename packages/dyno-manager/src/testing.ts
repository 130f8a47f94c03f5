import type { PortProbe, RouteSync } from './types.js';

/**
 * A probe for tests: by default every address accepts at once; with `autoAccept = false` an address
 * accepts only after `accept(host)`, and a wait ends (false) when its signal aborts. The timeout argument
 * is ignored, since the manager keeps its own deadline on its clock.
 */
export class FakePortProbe implements PortProbe {
  autoAccept = true;
  /** `host:port` of every probe, in order. */
  readonly probes: string[] = [];
  private readonly accepting = new Set<string>();
  private readonly waiters = new Set<{ host: string; resolve: (accepted: boolean) => void }>();

  accept(host: string): void {
    this.accepting.add(host);
    for (const w of [...this.waiters]) if (w.host === host) w.resolve(true);
  }

  refuse(host: string): void {
    this.accepting.delete(host);
  }

  /** Addresses with a wait in progress. */
  get waiting(): string[] {
    return [...this.waiters].map((w) => w.host);
  }

  waitForPort(host: string, port: number, _timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    this.probes.push(`${host}:${port}`);
    if (signal?.aborted) return Promise.resolve(false);
    if (this.autoAccept || this.accepting.has(host)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        host,
        resolve: (accepted: boolean) => {
          this.waiters.delete(waiter);
          signal?.removeEventListener('abort', onAbort);
          resolve(accepted);
        },
      };
      const onAbort = () => waiter.resolve(false);
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** A route sync for tests: counts syncs and runs `onSync` (to record ordering, or to hold a sync open). */
export class FakeRouteSync implements RouteSync {
  syncs = 0;
  onSync: (() => void | Promise<void>) | undefined;

  async sync(): Promise<void> {
    this.syncs++;
    await this.onSync?.();
  }
}

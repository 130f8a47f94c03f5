import type { AppRoute, Clock, Logger, RouteCertificate, RouteTable } from '@paas/core';
import { certificateCovers } from './certificates.js';
import type { DynoManager } from '@paas/dyno-manager';
import type { Store } from '@paas/store';

export interface RoutePublisherOptions {
  /** Apps are served at `<app>.<domain>`. */
  domain: string;
  /** Longest wait in `sync()` for every router to apply and drain a table. */
  syncTimeoutMs: number;
  /** A router that has not polled for this long no longer holds up `sync()`. */
  routerStaleMs: number;
}

interface RouterSeen {
  acked: number;
  lastSeen: number;
  polling: number;
}

export interface RouterInfo {
  id: string;
  acked: number;
  lastSeen: string;
}

/**
 * Builds the route table from the store and the dyno manager, versions it, hands it to routers by long
 * poll, and knows which version each router has applied and drained, so that `sync()` can tell the dyno
 * manager when it is safe to stop unrouted dynos.
 */
export class RoutePublisher {
  private current: RouteTable;
  private serialized = '';
  private readonly routers = new Map<string, RouterSeen>();
  private readonly changeWaiters = new Set<() => void>();
  private readonly ackWaiters = new Set<() => void>();

  constructor(
    private readonly deps: {
      store: Store;
      dynos: Pick<DynoManager, 'backends' | 'isCrashed'>;
      clock: Clock;
      logger: Logger;
      options: RoutePublisherOptions;
    },
  ) {
    // Versions start at the wall clock so they keep increasing across control-plane restarts.
    this.current = { version: deps.clock.now(), apps: [] };
    this.refresh();
  }

  table(): RouteTable {
    return this.current;
  }

  /** Recomputes the table; a new version only when something a router sees changed. */
  refresh(): RouteTable {
    const apps = this.computeApps();
    const certificates = this.computeCertificates(apps);
    const serialized = JSON.stringify([apps, certificates]);
    if (serialized !== this.serialized) {
      this.serialized = serialized;
      const version = Math.max(this.current.version + 1, this.deps.clock.now());
      this.current = certificates.length > 0 ? { version, apps, certificates } : { version, apps };
      for (const wake of [...this.changeWaiters]) wake();
    }
    return this.current;
  }

  /**
   * A router's poll: records that it has applied and drained `since`, then answers with a newer table at
   * once, or waits up to `waitMs` for one (null when none came).
   */
  async poll(routerId: string, since: number, waitMs: number, signal: AbortSignal): Promise<RouteTable | null> {
    const seen = this.routers.get(routerId) ?? { acked: 0, lastSeen: 0, polling: 0 };
    seen.acked = since;
    seen.lastSeen = this.deps.clock.now();
    this.routers.set(routerId, seen);
    for (const wake of [...this.ackWaiters]) wake();
    if (this.current.version > since) return this.current;
    seen.polling++;
    try {
      await this.waitFor(this.changeWaiters, () => this.current.version > since, waitMs, signal);
    } finally {
      seen.polling--;
      seen.lastSeen = this.deps.clock.now();
    }
    return this.current.version > since ? this.current : null;
  }

  /** Publishes the current state and resolves once every live router serves it (bounded by a timeout). */
  async sync(): Promise<void> {
    const target = this.refresh().version;
    const done = () => this.liveRouters().every((r) => r.acked >= target);
    const ok = await this.waitFor(this.ackWaiters, done, this.deps.options.syncTimeoutMs);
    if (!ok) {
      const lagging = [...this.routers.entries()].filter(([, r]) => r.acked < target).map(([id]) => id);
      this.deps.logger.warn({ version: target, lagging }, 'routers did not confirm the route table in time');
    }
  }

  /** The router process stopped: `sync()` no longer waits for it. */
  forget(routerId: string): void {
    if (this.routers.delete(routerId)) for (const wake of [...this.ackWaiters]) wake();
  }

  routerInfo(): RouterInfo[] {
    return [...this.routers.entries()].map(([id, r]) => ({ id, acked: r.acked, lastSeen: new Date(r.lastSeen).toISOString() }));
  }

  private liveRouters(): RouterSeen[] {
    const now = this.deps.clock.now();
    return [...this.routers.values()].filter((r) => r.polling > 0 || now - r.lastSeen < this.deps.options.routerStaleMs);
  }

  private waitFor(set: Set<() => void>, done: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (result: boolean) => {
        set.delete(check);
        this.deps.clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const check = () => {
        if (done()) finish(true);
      };
      const onAbort = () => finish(false);
      const timer = this.deps.clock.setTimeout(() => finish(done()), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      set.add(check);
    });
  }

  /** Each certificate with the app's hosts it covers; the routers pick one by SNI. */
  private computeCertificates(apps: AppRoute[]): RouteCertificate[] {
    const { store } = this.deps;
    const hostsByApp = new Map(apps.map((a) => [a.app, a.hosts]));
    return store.listApps().flatMap((app) =>
      store.domains.listCertificates(app.id).flatMap((c): RouteCertificate[] => {
        const hosts = (hostsByApp.get(app.name) ?? []).filter((h) => c.names.some((n) => certificateCovers(n, h)));
        return hosts.length > 0 ? [{ id: c.id, app: app.name, hosts, certPem: c.certPem, keyPem: c.keyPem }] : [];
      }),
    );
  }

  private computeApps(): AppRoute[] {
    const { store, dynos, options } = this.deps;
    return store.listApps().map((app): AppRoute => {
      const hosts = [`${app.name}.${options.domain}`, ...store.domains.list(app.id).map((d) => d.hostname)];
      const route = (state: AppRoute['state'], backends: AppRoute['backends'] = []): AppRoute => ({ app: app.name, hosts, state, backends });
      if (app.maintenance) return route('maintenance');
      // Blank until code is deployed: a config change alone makes a release without a slug.
      const current = app.currentReleaseId ? store.findRelease(app.id, app.currentReleaseId) : undefined;
      if (!current?.slugId) return route('blank');
      const web = store.listFormation(app.id).find((f) => f.type === 'web');
      if (!web || web.quantity === 0) return route('no_web_dynos');
      if (dynos.isCrashed(app.id)) return route('crashed');
      const backends = [...dynos.backends(app.id)].sort((a, b) => a.dyno.localeCompare(b.dyno));
      return route('up', backends);
    });
  }
}

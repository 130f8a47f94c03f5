import type { Logger, RouteTable } from '@paas/core';
import type { RouterTableRequest } from '@paas/client';
import type { Router } from '@paas/router';
import { isRouteTable, type TableStore } from './table-store.js';

/** The one call of the control API the watcher needs. */
export interface RouteSource {
  routerTable(req: RouterTableRequest): Promise<RouteTable | null>;
}

export interface RouteWatcherDeps {
  source: RouteSource;
  router: Pick<Router, 'applyTable' | 'table'>;
  store: TableStore;
  logger: Logger;
  /** Identifies this router process to the control plane (which waits for every router to drain). */
  routerId: string;
  /** How long the API may hold a poll (default 25 s). */
  waitSeconds?: number;
  /** Retry delays while the API is unreachable: doubling from `initialMs` up to `maxMs`. */
  backoff?: { initialMs: number; maxMs: number };
  /** Waits `ms` or until the signal aborts; injectable for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface RouteWatcher {
  /** Polls until the signal aborts. Never throws: the router keeps serving what it has. */
  run(signal: AbortSignal): Promise<void>;
}

export const DEFAULT_BACKOFF = Object.freeze({ initialMs: 200, maxMs: 2000 });

/**
 * Long-polls the control plane for route tables. A new table is applied (which waits for the removed
 * dynos to drain), then saved, and only then reported back as `since`, because the control plane stops
 * old dynos once every router reports the version.
 */
export function createRouteWatcher(deps: RouteWatcherDeps): RouteWatcher {
  const { source, router, store, logger, routerId } = deps;
  const waitSeconds = deps.waitSeconds ?? 25;
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const sleep = deps.sleep ?? abortableSleep;

  return {
    async run(signal) {
      let since = router.table().version;
      let delay = 0;
      let outage = false;
      /** Waits before the next try, longer each time in a row. */
      const pause = async () => {
        delay = delay === 0 ? backoff.initialMs : Math.min(backoff.maxMs, delay * 2);
        await sleep(delay, signal);
      };
      while (!signal.aborted) {
        let table: RouteTable | null;
        try {
          table = await source.routerTable({ since, routerId, waitSeconds, signal });
        } catch (err) {
          if (signal.aborted) break;
          // Once per outage, not per retry: the router keeps serving its last table meanwhile.
          if (!outage) {
            outage = true;
            logger.warn({ err: describe(err), version: since }, 'control plane unreachable; serving the last route table');
          }
          await pause();
          continue;
        }
        if (outage) {
          outage = false;
          logger.info({ version: since }, 'control plane reachable again');
        }
        if (table === null) {
          delay = 0;
          continue;
        }
        if (!isRouteTable(table) || table.version <= since) {
          // Answered at once with nothing usable: back off rather than spin.
          logger.warn({ version: isRouteTable(table) ? table.version : undefined, since }, 'ignored a route table that is not newer');
          await pause();
          continue;
        }
        delay = 0;
        await router.applyTable(table);
        since = table.version;
        try {
          await store.save(table);
        } catch (err) {
          logger.warn({ err: describe(err), version: since }, 'could not save the route table');
        }
      }
    },
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The control-link thread of a router worker: everything that talks to the control plane (route-table
 * long polls, reports, leaving), so that the HTTP client and its garbage live in this thread's heap and
 * never pause the thread that serves requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createClient } from '@paas/client';
import type { Logger, RouteTable } from '@paas/core';
import type { FromThread, LinkSettings, ToThread } from './control-link-protocol.js';
import { createRouteWatcher } from './route-watcher.js';
import { createFileTableStore } from './table-store.js';

const port = parentPort;
if (port === null) throw new Error('control-link-thread runs as a worker thread');
const settings = workerData as LinkSettings;
const post = (message: FromThread) => port.postMessage(message);

function forwardingLogger(bindings: Record<string, unknown>): Logger {
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (obj: object, msg?: string) =>
    post({ type: 'log', level, obj: { ...bindings, ...(obj as Record<string, unknown>) }, msg });
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: (more) => forwardingLogger({ ...bindings, ...more }) };
}

const client = createClient({ apiUrl: settings.apiUrl, token: settings.apiToken, userAgent: settings.userAgent });
let served = settings.since;
let nextId = 1;
const appliedWaiters = new Map<number, () => void>();
const reports = new Map<number, AbortController>();

// The serving thread applies each table (waiting for removed dynos to drain) and says so.
const router = {
  table: (): RouteTable => ({ version: served, apps: [] }),
  applyTable: (table: RouteTable) =>
    new Promise<void>((resolve) => {
      const id = nextId++;
      appliedWaiters.set(id, () => {
        served = table.version;
        resolve();
      });
      post({ type: 'table', id, table });
    }),
};
const stopWatching = new AbortController();
const watching = createRouteWatcher({
  source: client,
  router,
  store: createFileTableStore(settings.tablePath),
  logger: forwardingLogger({}),
  routerId: settings.routerId,
}).run(stopWatching.signal);

/** Ends the long poll (the client closes only once no request is open). */
function stopPolling(): Promise<void> {
  stopWatching.abort();
  for (const wake of appliedWaiters.values()) wake();
  appliedWaiters.clear();
  return watching;
}

const done = (id: number, err?: unknown) => post(err === undefined ? { type: 'done', id } : { type: 'done', id, error: err instanceof Error ? err.message : String(err) });

port.on('message', (message: ToThread) => {
  switch (message.type) {
    case 'report': {
      const abort = new AbortController();
      reports.set(message.id, abort);
      client
        .routerReportJson(message.json, abort.signal)
        .then(
          () => done(message.id),
          (err: unknown) => done(message.id, err),
        )
        .finally(() => reports.delete(message.id));
      break;
    }
    case 'abort':
      reports.get(message.id)?.abort();
      break;
    case 'applied': {
      const wake = appliedWaiters.get(message.id);
      appliedWaiters.delete(message.id);
      wake?.();
      break;
    }
    case 'stop-watching':
      void stopPolling().then(() => done(message.id));
      break;
    case 'leave':
      // Best effort, briefly: a control plane that is down has nobody to wait for this router anyway.
      void stopPolling()
        .then(() => client.routerLeave(settings.routerId, AbortSignal.timeout(2000)))
        .catch(() => undefined)
        .then(() => client.close())
        .then(() => done(message.id));
      break;
  }
});

import { Worker } from 'node:worker_threads';
import type { Logger, RouteTable } from '@paas/core';
import type { FromThread, LinkSettings, ToThread } from './control-link-protocol.js';
import type { ReportTarget } from './reporter.js';

export type { LinkSettings } from './control-link-protocol.js';

export interface ControlLink {
  /** Where the reporter sends its reports: through the thread. */
  readonly target: ReportTarget;
  /** Stops polling for route tables; resolves once the poll has ended. */
  stopWatching(): Promise<void>;
  /** Tells the control plane this router left, then ends the thread. */
  close(): Promise<void>;
}

export interface ControlLinkDeps {
  /** The thread's module (`control-link-thread.js` of the built package). */
  threadUrl: URL;
  /** Node flags of the thread (default: the process's own). */
  threadExecArgv?: string[];
  settings: LinkSettings;
  /** Applies a table from the control plane; resolves once removed dynos have drained. */
  applyTable(table: RouteTable): Promise<void>;
  logger: Logger;
  /** The thread died: the worker cannot reach the control plane any more. */
  onFailure(err: Error): void;
}

/**
 * Starts the thread that talks to the control plane for this router worker and relays to it: route
 * tables come in and are applied here, reports go out. Keeping the HTTP client in its own thread
 * (its own heap) keeps its garbage collection out of the request path: with it in the serving thread
 * the one-connection p99 of the router doubled or worse (BENCHMARKS.md).
 */
export function startControlLink(deps: ControlLinkDeps): ControlLink {
  const { logger } = deps;
  const worker = new Worker(deps.threadUrl, { workerData: deps.settings, ...(deps.threadExecArgv ? { execArgv: deps.threadExecArgv } : {}) });
  let nextId = 1;
  let failed: Error | null = null;
  const calls = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  const send = (message: ToThread, transfer?: ArrayBuffer[]) => worker.postMessage(message, transfer);
  /** Sends a request and resolves with the thread's `done` for its id. */
  const call = (message: Exclude<ToThread, { type: 'abort' | 'applied' }>, transfer?: ArrayBuffer[]): Promise<void> => {
    if (failed !== null) return Promise.reject(failed);
    return new Promise<void>((resolve, reject) => {
      calls.set(message.id, { resolve, reject });
      send(message, transfer);
    });
  };

  worker.on('message', (message: FromThread) => {
    switch (message.type) {
      case 'table':
        deps.applyTable(message.table).then(
          () => send({ type: 'applied', id: message.id }),
          (err: unknown) => {
            logger.error({ err: (err as Error).message, version: message.table.version }, 'could not apply a route table');
            send({ type: 'applied', id: message.id });
          },
        );
        break;
      case 'done': {
        const pending = calls.get(message.id);
        calls.delete(message.id);
        if (message.error === undefined) pending?.resolve();
        else pending?.reject(new Error(message.error));
        break;
      }
      case 'log':
        logger[message.level](message.obj, message.msg);
        break;
    }
  });
  const fail = (err: Error) => {
    if (failed !== null) return;
    failed = err;
    for (const pending of calls.values()) pending.reject(err);
    calls.clear();
    deps.onFailure(err);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the control-link thread exited with code ${code}`)));

  let closing = false;
  return {
    target: {
      routerReportJson(json, signal) {
        // A copy of just these bytes (the reporter's buffers are reused), moved to the thread without another copy.
        const bytes = new Uint8Array(json);
        const id = nextId++;
        const onAbort = () => send({ type: 'abort', id });
        signal?.addEventListener('abort', onAbort, { once: true });
        return call({ type: 'report', id, json: bytes }, [bytes.buffer]).finally(() => signal?.removeEventListener('abort', onAbort));
      },
    },
    stopWatching: () => call({ type: 'stop-watching', id: nextId++ }).catch(() => undefined),
    async close() {
      if (closing) return;
      closing = true;
      await call({ type: 'leave', id: nextId++ }).catch(() => undefined);
      failed ??= new Error('the control link is closed');
      await worker.terminate();
    },
  };
}

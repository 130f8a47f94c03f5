import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppRequestMetrics } from '@paas/core';
import { formatPrometheus } from './prometheus.js';

export interface AdminSource {
  /** Per-app counters since the start (summed over workers when there are several). */
  metrics(): AppRequestMetrics[];
  /** What `/healthz` reports besides `status`. */
  health(): Record<string, unknown>;
}

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The router's own endpoints, on a separate (loopback) port so that no app's Host can reach them:
 * `GET /healthz` for liveness and `GET /metrics` in Prometheus' text format.
 */
export async function startAdminServer(source: AdminSource, port: number, host = '127.0.0.1'): Promise<AdminServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ status: 'ok', ...source.health() }));
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }).end(formatPrometheus(source.metrics()));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { normalizeHostname, type AppRouteState, type RouteTable } from '@paas/core';
import { Backend, type PoolLimits } from './backend.js';
import type { RouterErrorCode } from './error-codes.js';
import { HostIndex } from './host-match.js';
import type { AppMetrics } from './metrics.js';
import { CertificateIndex } from './tls-certificates.js';

/** An app as the hot path needs it. */
export interface AppEntry {
  readonly app: string;
  readonly state: AppRouteState;
  readonly backends: readonly Backend[];
  /** Why the app cannot be served, or undefined when it has backends and is up. */
  readonly unavailable: RouterErrorCode | undefined;
  /** The app's counters, kept across tables. */
  readonly metrics: AppMetrics;
}

/** A route table with its lookup structures built. */
export interface CompiledTable {
  readonly version: number;
  readonly source: RouteTable;
  readonly hosts: HostIndex<AppEntry>;
  readonly apps: ReadonlyMap<string, AppEntry>;
  /** Every backend of the table by key, reused by the next table for the same dyno and address. */
  readonly backends: ReadonlyMap<string, Backend>;
  readonly certificates: CertificateIndex;
}

/** Something wrong in a table that the router skipped. */
export interface TableProblem {
  app: string;
  problem: string;
}

const UNAVAILABLE: Record<Exclude<AppRouteState, 'up'>, RouterErrorCode> = {
  maintenance: 'H80',
  crashed: 'H10',
  no_web_dynos: 'H14',
  blank: 'H81',
};

export function backendKey(app: string, dyno: string, host: string, port: number): string {
  return `${app}\u0000${dyno}\u0000${host}:${port}`;
}

/**
 * Builds the lookup structures of a table. Backends already known (same app, dyno and address) keep
 * their state: pooled connections, requests in flight, penalties; so do unchanged certificates. Invalid
 * entries are skipped and reported, so one bad row cannot take every app down.
 */
export function compileTable(
  table: RouteTable,
  previous: ReadonlyMap<string, Backend>,
  limits: PoolLimits,
  metricsFor: (app: string) => AppMetrics,
  problems: TableProblem[] = [],
  previousCertificates?: CertificateIndex,
): CompiledTable {
  const hosts = new HostIndex<AppEntry>();
  const apps = new Map<string, AppEntry>();
  const backends = new Map<string, Backend>();
  for (const route of Array.isArray(table.apps) ? table.apps : []) {
    const app = String(route.app);
    if (apps.has(app)) {
      problems.push({ app, problem: 'app listed twice; the first entry is used' });
      continue;
    }
    const list: Backend[] = [];
    for (const b of Array.isArray(route.backends) ? route.backends : []) {
      if (typeof b.host !== 'string' || b.host === '' || !Number.isInteger(b.port) || b.port < 1 || b.port > 65535) {
        problems.push({ app, problem: `invalid backend ${JSON.stringify(b)}` });
        continue;
      }
      const key = backendKey(app, String(b.dyno), b.host, b.port);
      if (backends.has(key)) continue;
      const backend = previous.get(key) ?? new Backend(key, app, String(b.dyno), b.host, b.port, limits);
      backends.set(key, backend);
      list.push(backend);
    }
    const state: AppRouteState = route.state in UNAVAILABLE || route.state === 'up' ? route.state : 'crashed';
    const unavailable = state === 'up' ? (list.length === 0 ? 'H14' : undefined) : UNAVAILABLE[state];
    const entry: AppEntry = { app, state, backends: list, unavailable, metrics: metricsFor(app) };
    apps.set(app, entry);
    for (const raw of Array.isArray(route.hosts) ? route.hosts : []) {
      const host = typeof raw === 'string' ? normalizeHostname(raw, { wildcard: true }) : undefined;
      if (host === undefined) problems.push({ app, problem: `invalid host ${JSON.stringify(raw)}` });
      else if (!hosts.add(host, entry)) problems.push({ app, problem: `host ${host} already routed to another app` });
    }
  }
  const certificates = CertificateIndex.build(table.certificates, previousCertificates, problems);
  return { version: table.version, source: table, hosts, apps, backends, certificates };
}

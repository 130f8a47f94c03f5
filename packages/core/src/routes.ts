/**
 * The route table the control plane publishes and every router process serves. It is versioned: a
 * router reports the version it has applied, and applied means traffic to backends absent from that
 * version has drained, so the control plane may then stop those dynos.
 */
export interface RouteTable {
  version: number;
  apps: AppRoute[];
  /** TLS certificates the router serves by SNI; absent when no app has one. */
  certificates?: RouteCertificate[];
}

/** A certificate and its key (PEM), for the host names it covers (exact, or `*.` wildcards). */
export interface RouteCertificate {
  id: string;
  /** App that owns it (for logs). */
  app: string;
  hosts: string[];
  certPem: string;
  keyPem: string;
}

/** Why an app without backends cannot be served, which picks the router's error code. */
export type AppRouteState = 'up' | 'no_web_dynos' | 'crashed' | 'maintenance' | 'blank';

export interface AppRoute {
  app: string;
  /** Lower-case host names without port; a leading `*.` label matches any one or more labels. */
  hosts: string[];
  state: AppRouteState;
  backends: RouteBackend[];
}

export interface RouteBackend {
  /** Dyno name, e.g. `web.1`, for the router's log line. */
  dyno: string;
  /** Host and port the dyno listens on, reachable from the router. */
  host: string;
  port: number;
}

export const EMPTY_ROUTE_TABLE: RouteTable = { version: 0, apps: [] };

import type { AppRequestMetrics, RouteTable } from '@paas/core';

/** Every limit of the router, named after Heroku's behaviour; all configurable. */
export interface RouterOptions {
  /** H12: time from the request fully sent to the dyno until the first response byte (Heroku: 30 s). */
  requestTimeoutMs: number;
  /** H19: time to open a connection to a dyno (Heroku: 5 s). */
  connectTimeoutMs: number;
  /** H15: time without a byte either way once the response started (Heroku: 55 s). */
  idleTimeoutMs: number;
  /** Time a client may take to send the request head (slow clients cannot hold connections). */
  headersTimeoutMs: number;
  /** Bytes of the request line plus headers. */
  maxHeaderBytes: number;
  /** Idle keep-alive time of client connections. */
  keepAliveTimeoutMs: number;
  /**
   * Longest wait for requests in flight to removed backends when a new table is applied, and for open
   * client connections when the router closes.
   */
  drainTimeoutMs: number;
  /**
   * While the router closes: how long a kept-alive client connection may stay idle before it is closed
   * (default 1 s). A busy client's next request is still answered, with `Connection: close`; only
   * connections whose client went quiet are closed, so that closing races no request on the wire.
   */
  drainIdleMs?: number;
  /** Backends that refused or timed out are skipped for this long. */
  backendPenaltyMs: number;
  /** Idle keep-alive connections kept per backend (default 128). */
  maxIdleConnectionsPerBackend?: number;
  /**
   * How long an idle pooled connection to a backend is kept (default 4 s, below the 5 s keep-alive of
   * Node's http server, so the router rarely reuses a connection the dyno is closing).
   */
  backendIdleTimeoutMs?: number;
}

export interface RouterStats {
  /** Open client connections (HTTP and HTTPS), tunnels excluded. */
  connections: number;
  /** Requests between their head and the end of their response. */
  inFlight: number;
  /** Of those, responses held back because their client does not read fast enough. */
  waitingForClients: number;
  /** WebSocket tunnels. */
  tunnels: number;
}

/** One line of the app's router log, already in Heroku's `at=info method=GET ...` format. */
export type AccessLogSink = (app: string, line: string) => void;

/**
 * Where to serve: a port to bind, or a listening socket the process inherited (systemd socket
 * activation, or the router's primary process handing its sockets to workers).
 */
export type ListenTarget = number | { fd: number };

export interface Router {
  /** Starts serving HTTP. Resolves with the bound port. */
  listen(target: ListenTarget, host?: string): Promise<number>;
  /**
   * Starts serving HTTPS with the table's certificates, chosen by SNI. Handshakes for names without a
   * certificate (or without a name) fail. Resolves with the bound port.
   */
  listenTls(target: ListenTarget, host?: string): Promise<number>;
  /**
   * Replaces the route table atomically. Resolves once no request is in flight to a backend that the
   * new table no longer lists (or `drainTimeoutMs` passed), so the caller may then stop those dynos.
   */
  applyTable(table: RouteTable): Promise<void>;
  /** The table being served. */
  table(): RouteTable;
  /** Per-app request counters since the router started (cumulative). */
  metrics(): AppRequestMetrics[];
  /** What the router holds right now. */
  stats(): RouterStats;
  /**
   * Graceful stop: stops accepting connections; every request in flight or still arriving on an open
   * connection is answered, with `Connection: close` where the response head is not sent yet; idle
   * connections close after `drainIdleMs`. Resolves once every connection is closed, or after
   * `drainTimeoutMs` (what is left is then cut).
   */
  close(): Promise<void>;
}

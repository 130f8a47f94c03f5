import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { EMPTY_ROUTE_TABLE, type AppRequestMetrics, type Logger, type RouteTable } from '@paas/core';
import { formatAccessLine, type AccessRecord, type RecordingAccessLogSink } from './access-log.js';
import type { Backend, PoolLimits } from './backend.js';
import { ClientConnection, clientInfo } from './client-connection.js';
import { keepAliveLine } from './client-response.js';
import type { Exchange } from './exchange.js';
import type { UpstreamConnection } from './upstream-connection.js';
import { AppMetrics } from './metrics.js';
import { resolveRouterOptions } from './options.js';
import type { ProxyContext } from './proxy-context.js';
import { compileTable, type AppEntry, type CompiledTable, type TableProblem } from './route-table.js';
import type { AccessLogSink, ListenTarget, Router, RouterOptions, RouterStats } from './types.js';
import { openTunnel, type Tunnel } from './websocket.js';

export interface RouterDeps {
  options: RouterOptions;
  logger: Logger;
  /**
   * Receives one line per routed request; lines are not formatted when absent. A sink with a `record`
   * entry (`RecordingAccessLogSink`) is given the request's record instead and encodes the line itself.
   */
  accessLog?: AccessLogSink;
  /** Milliseconds since the epoch (X-Request-Start, timeouts, log timings). */
  now?: () => number;
  /** Source of randomness in [0, 1) for balancing. */
  random?: () => number;
}

/** How often pooled connections are checked for idleness. */
const POOL_SWEEP_MS = 1000;

export function createRouter(deps: RouterDeps): Router {
  return new PaasRouter(deps);
}

class PaasRouter implements Router, ProxyContext {
  readonly options: Readonly<Required<RouterOptions>>;
  readonly logger: Logger;
  readonly now: () => number;
  readonly random: () => number;
  readonly keepAliveLine: string;
  private readonly accessLog: AccessLogSink | undefined;
  /** The sink's record entry, when it has one: the line is then never built as a string. */
  private readonly accessRecord: ((app: string, record: AccessRecord) => void) | undefined;
  private readonly limits: PoolLimits;
  private current: CompiledTable;
  private readonly servers: Server[] = [];
  private readonly connections = new Set<ClientConnection>();
  private readonly active = new Set<Exchange>();
  private readonly tunnels = new Set<Tunnel>();
  private readonly metricsByApp = new Map<string, AppMetrics>();
  private sweeper: NodeJS.Timeout | null = null;
  private lastPoolSweep = 0;
  private lastConnectionSweep = 0;
  private readonly connectionTick: number;
  private closing: Promise<void> | null = null;
  private onIdle: (() => void) | null = null;

  constructor(deps: RouterDeps) {
    this.options = resolveRouterOptions(deps.options);
    this.logger = deps.logger;
    this.accessLog = deps.accessLog;
    const record = (deps.accessLog as Partial<RecordingAccessLogSink> | undefined)?.record;
    this.accessRecord = typeof record === 'function' ? record : undefined;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.keepAliveLine = keepAliveLine(this.options.keepAliveTimeoutMs);
    this.limits = { maxIdle: this.options.maxIdleConnectionsPerBackend, idleTimeoutMs: this.options.backendIdleTimeoutMs };
    this.connectionTick = clampTick(Math.min(this.options.headersTimeoutMs, this.options.keepAliveTimeoutMs) / 10, 1000);
    this.current = compileTable(EMPTY_ROUTE_TABLE, new Map(), this.limits, this.metricsFor);
  }

  listen(target: ListenTarget, host?: string): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    return this.start(server, target, host);
  }

  listenTls(target: ListenTarget, host?: string): Promise<number> {
    const server = createTlsServer({
      // No default certificate: a handshake without a server name, or for a name without a
      // certificate, fails rather than presenting a certificate for another domain.
      SNICallback: (name, done) => {
        const cert = this.current.certificates.find(name);
        if (cert !== undefined) done(null, cert.context);
        else done(new Error(`no certificate for ${JSON.stringify(name)}`));
      },
      ALPNProtocols: ['http/1.1'],
      handshakeTimeout: this.options.headersTimeoutMs,
    });
    server.on('connection', (socket: Socket) => socket.setNoDelay(true));
    server.on('secureConnection', (socket: TLSSocket) => this.accept(socket));
    server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
      this.logger.debug({ err: err.code ?? err.message, servername: (socket as TLSSocket & { servername?: string }).servername }, 'TLS handshake failed');
      socket.destroy();
    });
    return this.start(server, target, host);
  }

  async applyTable(table: RouteTable): Promise<void> {
    const previous = this.current;
    if (table.version < previous.version) {
      this.logger.warn({ version: table.version, current: previous.version }, 'ignored an older route table');
      return;
    }
    const problems: TableProblem[] = [];
    const next = compileTable(table, previous.backends, this.limits, this.metricsFor, problems, previous.certificates);
    for (const p of problems) this.logger.warn({ version: table.version, app: p.app }, `route table: ${p.problem}`);
    const removed: Backend[] = [];
    for (const [key, backend] of previous.backends) {
      if (next.backends.get(key) === backend) continue;
      backend.retire();
      if (backend.inflight > 0) removed.push(backend);
    }
    this.current = next;
    this.logger.info(
      { version: next.version, apps: next.apps.size, backends: next.backends.size, certificates: next.certificates.size, draining: removed.length },
      'route table applied',
    );
    if (removed.length > 0) await this.drain(removed);
  }

  table(): RouteTable {
    return this.current.source;
  }

  metrics(): AppRequestMetrics[] {
    return [...this.metricsByApp.values()].map((m) => m.snapshot());
  }

  stats(): RouterStats {
    let waitingForClients = 0;
    for (const ex of this.active) if (ex.waitingForClient) waitingForClients++;
    return { connections: this.connections.size, inFlight: this.active.size, waitingForClients, tunnels: this.tunnels.size };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // ---- ProxyContext ----

  lookup(hostHeader: string): AppEntry | undefined {
    return this.current.hosts.lookup(hostHeader);
  }

  entryFor(app: string): AppEntry | undefined {
    return this.current.apps.get(app);
  }

  track(ex: Exchange): void {
    this.active.add(ex);
  }

  untrack(ex: Exchange): void {
    if (this.active.delete(ex) && this.onIdle !== null) this.checkDrained();
  }

  log(entry: AppEntry, record: AccessRecord, elapsedMs: number): void {
    entry.metrics.record(record.status, record.serviceMs >= 0 ? record.serviceMs : elapsedMs);
    if (this.accessRecord !== undefined) this.accessRecord(entry.app, record);
    else if (this.accessLog !== undefined) this.accessLog(entry.app, formatAccessLine(record));
  }

  tunnel(client: Socket, upstream: UpstreamConnection, responseHead: string, fromDyno: Buffer, fromClient: Buffer): void {
    const tunnel = openTunnel(client, upstream, responseHead, fromDyno, fromClient, this.options.idleTimeoutMs, (t) => this.tunnels.delete(t));
    this.tunnels.add(tunnel);
  }

  forgetConnection(conn: ClientConnection): void {
    if (this.connections.delete(conn)) this.checkDrained();
  }

  // ---- internals ----

  private readonly metricsFor = (app: string): AppMetrics => {
    let m = this.metricsByApp.get(app);
    if (m === undefined) {
      m = new AppMetrics(app);
      this.metricsByApp.set(app, m);
    }
    return m;
  };

  private accept(socket: Socket): void {
    if (this.closing !== null) {
      socket.destroy();
      return;
    }
    this.connections.add(new ClientConnection(this, socket, clientInfo(socket)));
  }

  private start(server: Server, target: ListenTarget, host: string | undefined): Promise<number> {
    if (this.closing !== null) return Promise.reject(new Error('the router is closed'));
    this.startSweeper();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const listening = () => {
        server.off('error', reject);
        this.servers.push(server);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      };
      if (typeof target === 'number') server.listen(target, host, listening);
      else server.listen({ fd: target.fd }, listening);
    });
  }

  private startSweeper(): void {
    if (this.sweeper !== null) return;
    const o = this.options;
    const tick = Math.min(this.connectionTick, clampTick(Math.min(o.connectTimeoutMs, o.requestTimeoutMs, o.idleTimeoutMs) / 10, 250));
    this.sweeper = setInterval(() => this.sweep(), tick);
    this.sweeper.unref();
  }

  private sweep(): void {
    const now = this.now();
    for (const ex of this.active) ex.tick(now);
    if (now - this.lastConnectionSweep >= this.connectionTick) {
      this.lastConnectionSweep = now;
      for (const conn of this.connections) conn.tick(now);
    }
    if (now - this.lastPoolSweep >= POOL_SWEEP_MS) {
      this.lastPoolSweep = now;
      for (const backend of this.current.backends.values()) backend.sweep(now);
    }
  }

  private async drain(removed: Backend[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.options.drainTimeoutMs);
    });
    const drained = Promise.all(removed.map((b) => b.drained())).then(() => false);
    const late = await Promise.race([drained, timedOut]);
    clearTimeout(timer);
    if (late) {
      const left = removed.filter((b) => b.inflight > 0).map((b) => `${b.app}/${b.dyno}`);
      this.logger.warn({ backends: left, drainTimeoutMs: this.options.drainTimeoutMs }, 'drain timed out; requests still in flight');
    }
  }

  private async shutdown(): Promise<void> {
    const closed = this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const conn of this.connections) conn.shutdown();
    if (this.connections.size > 0 || this.active.size > 0) {
      // Idle connections must close within about `drainIdleMs`, sooner than the sweep looks at them.
      const tick = setInterval(() => {
        const now = this.now();
        for (const conn of this.connections) conn.tick(now);
      }, clampTick(this.options.drainIdleMs / 4, 250));
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.onIdle = resolve;
        timer = setTimeout(resolve, this.options.drainTimeoutMs);
      });
      clearTimeout(timer);
      clearInterval(tick);
      this.onIdle = null;
      const left = this.connections.size;
      if (left > 0) this.logger.warn({ connections: left, inFlight: this.active.size, drainTimeoutMs: this.options.drainTimeoutMs }, 'drain timed out; closing the connections left');
    }
    for (const conn of [...this.connections]) conn.destroy();
    for (const tunnel of [...this.tunnels]) tunnel.close();
    for (const backend of this.current.backends.values()) backend.closeIdle();
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    await Promise.all(closed);
  }

  /** Closing, and no connection or request is left. */
  private checkDrained(): void {
    if (this.onIdle !== null && this.active.size === 0 && this.connections.size === 0) this.onIdle();
  }
}

/** A sweep period: a tenth of the smallest timeout it checks, from 5 ms up to `max`. */
function clampTick(ms: number, max: number): number {
  return Math.max(5, Math.min(max, Math.floor(ms)));
}

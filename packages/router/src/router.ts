import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { EMPTY_ROUTE_TABLE, type Logger, type RouteTable } from '@paas/core';
import { formatAccessLine, type AccessRecord } from './access-log.js';
import type { Backend, PoolLimits } from './backend.js';
import { Exchange } from './exchange.js';
import type { ProxyContext } from './proxy-context.js';
import type { ClientInfo } from './headers.js';
import { resolveRouterOptions } from './options.js';
import { compileTable, type AppEntry, type CompiledTable, type TableProblem } from './route-table.js';
import type { AccessLogSink, Router, RouterOptions } from './types.js';
import { createDetachedResponse, openTunnel, type Tunnel } from './websocket.js';

export interface RouterDeps {
  options: RouterOptions;
  logger: Logger;
  /** Receives one line per routed request; lines are not formatted when absent. */
  accessLog?: AccessLogSink;
  /** Milliseconds since the epoch (X-Request-Start, timeouts, log timings). */
  now?: () => number;
  /** Source of randomness in [0, 1) for balancing. */
  random?: () => number;
}

const kClient = Symbol('paas.client');
type ClientSocket = Socket & { [kClient]?: ClientInfo };

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
  private readonly accessLog: AccessLogSink | undefined;
  private readonly limits: PoolLimits;
  private current: CompiledTable;
  private server: Server | null = null;
  private readonly active = new Set<Exchange>();
  private readonly tunnels = new Set<Tunnel>();
  private sweeper: NodeJS.Timeout | null = null;
  private lastPoolSweep = 0;
  private closing: Promise<void> | null = null;
  private onIdle: (() => void) | null = null;

  constructor(deps: RouterDeps) {
    this.options = resolveRouterOptions(deps.options);
    this.logger = deps.logger;
    this.accessLog = deps.accessLog;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.limits = { maxIdle: this.options.maxIdleConnectionsPerBackend, idleTimeoutMs: this.options.backendIdleTimeoutMs };
    this.current = compileTable(EMPTY_ROUTE_TABLE, new Map(), this.limits);
  }

  listen(port: number, host?: string): Promise<number> {
    if (this.server !== null) return Promise.reject(new Error('the router is already listening'));
    const o = this.options;
    const server = createServer(
      {
        maxHeaderSize: o.maxHeaderBytes,
        headersTimeout: o.headersTimeoutMs,
        // Whole-request limits would cut long uploads; the idle rules of the exchange apply instead.
        requestTimeout: 0,
        keepAliveTimeout: o.keepAliveTimeoutMs,
        // node:http enforces headersTimeout on this period, so it must be a fraction of it.
        connectionsCheckingInterval: Math.min(30_000, Math.max(20, Math.floor(o.headersTimeoutMs / 4))),
        noDelay: true,
      },
      (req, res) => this.onRequest(req, res),
    );
    // Expect: 100-continue is passed on, and the dyno's 100 relayed, so the dyno may refuse the body.
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    server.on('connect', (_req: IncomingMessage, socket: Socket) => {
      socket.on('error', noop);
      socket.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    this.server = server;
    const tick = Math.max(5, Math.min(250, Math.floor(Math.min(o.connectTimeoutMs, o.requestTimeoutMs, o.idleTimeoutMs) / 10)));
    this.sweeper = setInterval(() => this.sweep(), tick);
    this.sweeper.unref();
    return new Promise((resolve, reject) => {
      const failed = (err: Error) => {
        clearInterval(this.sweeper ?? undefined);
        this.sweeper = null;
        this.server = null;
        reject(err);
      };
      server.once('error', failed);
      server.listen(port, host, () => {
        server.off('error', failed);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  async applyTable(table: RouteTable): Promise<void> {
    const previous = this.current;
    if (table.version < previous.version) {
      this.logger.warn({ version: table.version, current: previous.version }, 'ignored an older route table');
      return;
    }
    const problems: TableProblem[] = [];
    const next = compileTable(table, previous.backends, this.limits, problems);
    for (const p of problems) this.logger.warn({ version: table.version, app: p.app }, `route table: ${p.problem}`);
    const removed: Backend[] = [];
    for (const [key, backend] of previous.backends) {
      if (next.backends.get(key) === backend) continue;
      backend.retire();
      if (backend.inflight > 0) removed.push(backend);
    }
    this.current = next;
    this.logger.info({ version: next.version, apps: next.apps.size, backends: next.backends.size, draining: removed.length }, 'route table applied');
    if (removed.length > 0) await this.drain(removed);
  }

  table(): RouteTable {
    return this.current.source;
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
    this.active.delete(ex);
    if (this.active.size === 0 && this.onIdle !== null) this.onIdle();
  }

  log(app: string, record: AccessRecord): void {
    if (this.accessLog !== undefined) this.accessLog(app, formatAccessLine(record));
  }

  tunnel(client: Socket, upstream: Socket, responseHead: string, early: Buffer): void {
    const tunnel = openTunnel(client, upstream, responseHead, early, this.options.idleTimeoutMs, (t) => this.tunnels.delete(t));
    this.tunnels.add(tunnel);
  }

  // ---- internals ----

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    new Exchange(this, req, res, clientInfo(req.socket)).run();
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, early: Buffer): void {
    // node:http removed its own listeners; nothing is read until the dyno accepted the upgrade.
    socket.on('error', noop);
    socket.pause();
    const websocket = /(?:^|[\s,])websocket(?:$|[\s,])/i.test(req.headers.upgrade ?? '');
    const res = createDetachedResponse(req, socket);
    new Exchange(this, req, res, clientInfo(socket), { socket, early, websocket }).run();
  }

  private sweep(): void {
    const now = this.now();
    for (const ex of this.active) ex.tick(now);
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
    const server = this.server;
    if (server === null) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (this.active.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.onIdle = resolve;
        timer = setTimeout(resolve, this.options.drainTimeoutMs);
      });
      clearTimeout(timer);
      this.onIdle = null;
    }
    server.closeAllConnections();
    for (const tunnel of [...this.tunnels]) tunnel.close();
    for (const backend of this.current.backends.values()) backend.closeIdle();
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    await closed;
  }
}

function clientInfo(socket: ClientSocket): ClientInfo {
  let info = socket[kClient];
  if (info === undefined) {
    const remote = socket.remoteAddress ?? '';
    info = {
      address: remote.startsWith('::ffff:') ? remote.slice(7) : remote,
      port: String(socket.localPort ?? ''),
      proto: (socket as TLSSocket).encrypted === true ? 'https' : 'http',
    };
    socket[kClient] = info;
  }
  return info;
}

function noop(): void {}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AccessRecord } from './access-log.js';
import type { ProxyContext } from './proxy-context.js';
import type { AppEntry } from './route-table.js';
import type { Backend } from './backend.js';
import { pickBackend } from './balancer.js';
import { RequestBody, type BodyOwner } from './request-body.js';
import type { RouterErrorCode } from './error-codes.js';
import { pageStatus, sendRouterPage, type RouterPage } from './error-pages.js';
import { buildUpstreamHead, clientResponseHeaders, type ClientInfo, type RequestFacts } from './headers.js';
import { normalizeHostHeader } from './host-match.js';
import type { ResponseHead } from './response-parser.js';
import type { UpstreamConnection, UpstreamFailure, UpstreamHandler } from './upstream-connection.js';
import { switchingProtocolsHead } from './websocket.js';

// Phases of an exchange.
const ROUTING = 0;
const CONNECTING = 1;
/** Streaming the request body to the dyno. */
const SENDING = 2;
/** Request sent, waiting for the response head (H12). */
const WAITING = 3;
/** Response head sent to the client, streaming the body (H15). */
const STREAMING = 4;
const DONE = 5;

const kExchange = Symbol('paas.exchange');
type Tagged<T> = T & { [kExchange]?: Exchange };

const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)(.*)$/i;
/** Requests that can be sent again when a reused connection turns out to be closed (RFC 9110 9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * One proxied request: route, pick a dyno, send, stream the response back, log. Lives for one request;
 * listeners are shared functions finding it through a symbol, so a request allocates no closures.
 */
export class Exchange implements UpstreamHandler, RequestFacts, AccessRecord, BodyOwner {
  hostHeader: string | undefined = undefined;
  requestId = '';
  forwardedFor = '';
  hasBody = false;
  chunked = false;
  expectContinue = false;
  upstreamHead = '';
  readonly method: string;
  readonly path: string;
  readonly protocol: 'http' | 'https';
  dyno: string | undefined = undefined;
  connectMs = -1;
  serviceMs = -1;
  status = 0;
  bytes = 0;
  code: RouterErrorCode | undefined = undefined;

  /** Timeout bookkeeping, read by the router's sweep. */
  deadline = 0;
  activity = 0;
  seenActivity = 0;
  lastActiveMs = 0;

  private phase = ROUTING;
  private entry: AppEntry | null = null;
  private backend: Backend | null = null;
  private conn: UpstreamConnection | null = null;
  private tried: Backend[] | null = null;
  private failCode: RouterErrorCode | undefined = undefined;
  private readonly startMs: number;
  private body: RequestBody | null = null;
  private requestDone = false;
  private headPending = false;
  /** The last body chunk of the current read, written at the end of the read (or with `res.end`). */
  private heldChunk: Buffer | null = null;
  private waitingClientDrain = false;
  private retriedStale = false;
  private upgradeResponse: ResponseHead | null = null;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly client: ClientInfo,
    /** For upgrade requests: the client socket, and whether it asks for a WebSocket. */
    private readonly upgrade: { socket: Socket; early: Buffer; websocket: boolean } | null = null,
  ) {
    this.method = req.method ?? 'GET';
    this.path = req.url ?? '/';
    this.protocol = client.proto;
    this.startMs = ctx.now();
  }

  run(): void {
    let target = this.path;
    let authority: string | undefined;
    if (target.charCodeAt(0) !== 47 /* / */ && target !== '*') {
      const m = ABSOLUTE_FORM.exec(target);
      if (m === null) return this.refuse('bad_request');
      authority = m[1]!;
      target = m[2] || '/';
    }
    const websocket = this.upgrade?.websocket === true;
    const refusal = buildUpstreamHead(this.method, target, this.req.rawHeaders, this.client, this.startMs, websocket, this);
    if (refusal !== undefined) return this.refuse(refusal);
    // An absolute-form target must name the same host the request is routed by.
    if (authority !== undefined && normalizeHostHeader(authority) !== normalizeHostHeader(this.hostHeader ?? '')) {
      return this.refuse('bad_request');
    }
    // Upgrade requests come without node:http's body parsing; only body-less ones can be proxied.
    if (this.upgrade !== null && this.hasBody) return this.refuse('bad_request');
    const entry = this.hostHeader === undefined ? undefined : this.ctx.lookup(this.hostHeader);
    if (entry === undefined) return this.refuse('not_found');
    this.entry = entry;
    if (entry.unavailable !== undefined) return this.fail(entry.unavailable);
    (this.res as Tagged<ServerResponse>)[kExchange] = this;
    this.res.on('close', onClientClose);
    this.phase = CONNECTING;
    this.ctx.track(this);
    this.attempt();
  }

  /** Called by the router's sweep with the current time. */
  tick(now: number): void {
    const phase = this.phase;
    if (phase === CONNECTING || phase === WAITING) {
      if (now < this.deadline) return;
      if (phase === CONNECTING) {
        this.dropConnection();
        this.connectFailed('H19', 'connect timeout');
      } else {
        this.abort('H12');
      }
    } else if (phase === SENDING || phase === STREAMING) {
      if (this.activity !== this.seenActivity) {
        this.seenActivity = this.activity;
        this.lastActiveMs = now;
      } else if (now - this.lastActiveMs >= this.ctx.options.idleTimeoutMs) {
        this.abort('H15');
      }
    }
  }

  // ---- upstream events ----

  onUpstreamConnect(): void {
    const now = this.ctx.now();
    this.connectMs = now - this.startMs;
    this.startBody(now);
  }

  onResponseHead(head: ResponseHead): void {
    const status = head.statusCode;
    if (status < 200) {
      if (status === 101) this.upgradeResponse = head;
      else if (status === 100 && this.expectContinue && this.upgrade === null) this.res.writeContinue();
      return;
    }
    this.status = status;
    this.phase = STREAMING;
    this.activity++;
    try {
      this.res.writeHead(status, head.statusMessage, clientResponseHeaders(head, this.requestId, false));
    } catch (err) {
      // node:http refuses header names or values the dyno should not have sent.
      this.upstreamBroken('H17', (err as Error).message);
      return;
    }
    this.headPending = true;
  }

  onResponseBody(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.activity++;
    this.headPending = false;
    // Held until the read is processed: a response that arrives in one read leaves with one res.end().
    const held = this.heldChunk;
    this.heldChunk = chunk;
    if (held !== null) this.writeToClient(held);
  }

  /** The end of one read from the dyno: what it brought is sent now (server-sent events arrive as sent). */
  onReadEnd(): void {
    const held = this.heldChunk;
    if (held !== null) {
      this.heldChunk = null;
      this.writeToClient(held);
    } else if (this.headPending) {
      this.headPending = false;
      this.res.flushHeaders();
    }
  }

  private writeToClient(chunk: Buffer): void {
    if (!this.res.write(chunk) && !this.waitingClientDrain && this.conn !== null) {
      this.waitingClientDrain = true;
      this.conn.socket.pause();
      this.res.once('drain', onClientDrain);
    }
  }

  onResponseEnd(reusable: boolean): void {
    const conn = this.conn!;
    this.conn = null;
    const now = this.ctx.now();
    if (reusable && this.requestDone) this.backend!.release(conn, now);
    else conn.destroy();
    this.stopBody();
    this.releaseBackend();
    this.headPending = false;
    const held = this.heldChunk;
    this.heldChunk = null;
    if (held !== null) this.res.end(held);
    else this.res.end();
    this.finish(undefined, now);
  }

  onUpgrade(early: Buffer): void {
    const conn = this.conn!;
    const response = this.upgradeResponse;
    if (this.upgrade === null || !this.upgrade.websocket || response === null) {
      this.upstreamBroken('H17', 'unexpected 101 response');
      return;
    }
    const head = switchingProtocolsHead(response, clientResponseHeaders(response, this.requestId, true));
    if (head === undefined) {
      this.upstreamBroken('H17', 'invalid 101 response headers');
      return;
    }
    this.conn = null;
    this.status = 101;
    this.res.detachSocket(this.upgrade.socket);
    // A tunnel is not "in flight" for draining: it may last for hours and ends with its dyno.
    this.releaseBackend();
    this.finish(undefined, this.ctx.now());
    this.ctx.tunnel(this.upgrade.socket, conn.socket, head, early);
  }

  onUpstreamFailure(failure: UpstreamFailure, reason: string): void {
    const conn = this.conn;
    this.conn = null;
    if (this.phase === DONE || conn === null) return;
    if (failure === 'connect') {
      this.connectFailed(reason === 'ETIMEDOUT' ? 'H19' : 'H21', reason);
    } else if (failure === 'malformed') {
      this.upstreamBroken('H17', reason);
    } else if (this.status !== 0) {
      this.upstreamBroken('H18', reason);
    } else if (conn.reused && !conn.parser.started && this.body?.started !== true && !this.retriedStale && IDEMPOTENT.has(this.method)) {
      // The dyno closed an idle pooled connection as the request went out: nothing was processed.
      this.retriedStale = true;
      this.releaseBackend();
      this.attempt();
    } else {
      this.upstreamBroken('H13', reason);
    }
  }

  onUpstreamDrain(): void {
    this.body?.drained();
  }

  // ---- client events ----

  /** The client went away before the response was complete (H27). */
  clientClosed(): void {
    if (this.phase === DONE) return;
    this.dropConnection();
    this.stopBody();
    this.releaseBackend();
    this.status = 499;
    this.finish('H27', this.ctx.now());
  }

  clientDrained(): void {
    this.waitingClientDrain = false;
    if (this.conn !== null) this.conn.socket.resume();
  }

  // ---- request body (BodyOwner) ----

  get upstream(): UpstreamConnection | null {
    return this.conn;
  }

  bodyActivity(): void {
    this.activity++;
  }

  bodySent(): void {
    this.requestDone = true;
    if (this.phase === SENDING) this.enterWaiting(this.ctx.now());
  }

  // ---- internals ----

  private attempt(): void {
    const now = this.ctx.now();
    const entry = this.tried === null && !this.retriedStale ? this.entry! : (this.ctx.entryFor(this.entry!.app) ?? this.entry!);
    const backend = entry.unavailable === undefined ? pickBackend(entry.backends, now, this.ctx.random, this.tried) : undefined;
    if (backend === undefined) {
      this.fail(entry.unavailable ?? this.failCode ?? penaltyOf(entry.backends) ?? 'H14');
      return;
    }
    this.backend = backend;
    this.dyno = backend.dyno;
    backend.begin();
    const conn = backend.acquire(now);
    this.conn = conn;
    conn.begin(this, this.upstreamHead, this.method === 'HEAD');
    if (conn.connected) {
      this.connectMs = now - this.startMs;
      this.startBody(now);
    } else {
      this.phase = CONNECTING;
      this.deadline = now + this.ctx.options.connectTimeoutMs;
    }
  }

  /** Client bytes are read only once a connection stands, so a refused connect can be retried elsewhere. */
  private startBody(now: number): void {
    const early = this.upgrade?.early;
    if (early !== undefined && early.length > 0) this.conn!.write(early);
    if (!this.hasBody) {
      this.requestDone = true;
      this.enterWaiting(now);
      return;
    }
    this.phase = SENDING;
    this.activity++;
    (this.body ??= new RequestBody(this.req, this.chunked, this)).start();
  }

  private enterWaiting(now: number): void {
    this.phase = WAITING;
    this.deadline = now + this.ctx.options.requestTimeoutMs;
  }

  private connectFailed(code: RouterErrorCode, reason: string): void {
    const backend = this.backend!;
    const now = this.ctx.now();
    backend.penalize(code, now, this.ctx.options.backendPenaltyMs);
    this.ctx.logger.warn({ app: backend.app, dyno: backend.dyno, code, reason }, 'backend connection failed');
    this.failCode = code;
    (this.tried ??= []).push(backend);
    this.releaseBackend();
    this.attempt();
  }

  /** The dyno's side broke: an error page if nothing was sent yet, else the client connection is cut. */
  private upstreamBroken(code: RouterErrorCode, reason: string): void {
    this.ctx.logger.debug({ app: this.entry?.app, dyno: this.dyno, code, reason }, 'upstream failed');
    this.abort(code);
  }

  /** Ends the exchange with an error code, whatever phase it is in. */
  private abort(code: RouterErrorCode): void {
    this.dropConnection();
    this.stopBody();
    this.releaseBackend();
    if (!this.res.headersSent) {
      this.fail(code);
    } else {
      this.res.destroy();
      this.finish(code, this.ctx.now());
    }
  }

  private fail(code: RouterErrorCode): void {
    this.sendPage(code);
    this.finish(code, this.ctx.now());
  }

  private refuse(page: RouterPage): void {
    this.sendPage(page);
    this.phase = DONE;
    this.ctx.logger.debug({ host: this.hostHeader, path: this.path, status: this.status }, 'request refused');
  }

  private sendPage(page: RouterPage): void {
    this.status = pageStatus(page);
    this.bytes = sendRouterPage(this.res, page, this.requestId || undefined);
  }

  private finish(code: RouterErrorCode | undefined, now: number): void {
    if (this.phase === DONE) return;
    this.phase = DONE;
    this.ctx.untrack(this);
    if (this.connectMs >= 0) this.serviceMs = Math.max(0, now - this.startMs - this.connectMs);
    this.code = code;
    this.ctx.log(this.entry!.app, this);
  }

  private dropConnection(): void {
    const conn = this.conn;
    this.conn = null;
    if (conn !== null) conn.destroy();
  }

  private releaseBackend(): void {
    const backend = this.backend;
    this.backend = null;
    if (backend !== null) backend.end();
  }

  private stopBody(): void {
    this.body?.stop();
  }
}

function penaltyOf(backends: readonly Backend[]): RouterErrorCode | undefined {
  return backends.length > 0 ? backends[0]!.penaltyCode : undefined;
}

// Shared listeners: `this` is the emitter, which carries its exchange.
function onClientClose(this: Tagged<ServerResponse>): void {
  this[kExchange]?.clientClosed();
}
function onClientDrain(this: Tagged<ServerResponse>): void {
  this[kExchange]?.clientDrained();
}

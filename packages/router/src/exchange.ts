import type { AccessRecord } from './access-log.js';
import type { Backend } from './backend.js';
import { pickBackend } from './balancer.js';
import type { BodyReader, ClientConnection } from './client-connection.js';
import type { RouterErrorCode } from './error-codes.js';
import { pageStatus, type RouterPage } from './error-pages.js';
import { prepareRequest, type RequestFacts } from './headers.js';
import type { ProxyContext } from './proxy-context.js';
import type { RequestHead } from './request-parser.js';
import type { ResponseHead } from './response-head.js';
import { ResponseOutput } from './response-output.js';
import type { AppEntry } from './route-table.js';
import type { UpstreamConnection, UpstreamFailure, UpstreamHandler } from './upstream-connection.js';

// Phases of an exchange.
const ROUTING = 0;
const CONNECTING = 1;
/** Streaming the request body to the dyno. */
const SENDING = 2;
/** Request sent, waiting for the response head (H12). */
const WAITING = 3;
/** Response head received, streaming the body (H15). */
const STREAMING = 4;
const DONE = 5;

const WEBSOCKET = /(?:^|[\s,])websocket(?:$|[\s,])/i;
/** Requests that can be sent again when a reused connection turns out to be closed (RFC 9110 9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * One proxied request: route, pick a dyno, send, relay the response, log. Lives for one request; the
 * client connection feeds it the request body, the dyno connection the response (`UpstreamHandler`).
 */
export class Exchange implements UpstreamHandler, RequestFacts, AccessRecord, BodyReader {
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
  private readonly websocket: boolean;
  private readonly output: ResponseOutput;
  /** The whole body was handed to the dyno connection. */
  private requestDone = false;
  /** A byte of the body was sent: the request can no longer go elsewhere. */
  private bodyStarted = false;
  private waitingClientDrain = false;
  private retriedStale = false;
  private upgradeResponse: ResponseHead | null = null;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly client: ClientConnection,
    private readonly head: RequestHead,
  ) {
    this.method = head.method;
    this.path = head.target;
    this.protocol = client.info.proto;
    this.startMs = ctx.now();
    this.websocket = head.upgrade !== undefined && WEBSOCKET.test(head.upgrade);
    this.output = new ResponseOutput(client, ctx.keepAliveLine, head.method, head.versionMinor);
    // Upgrades the dyno does not accept, and others than WebSocket (h2c...) served as plain HTTP/1.1,
    // leave the client's stream in an unknown state: the connection is closed after the response.
    if (head.close || head.upgrade !== undefined) client.closeAfterResponse = true;
  }

  run(): void {
    const refusal = prepareRequest(this.head, this.client.info, this.startMs, this.websocket, this);
    if (refusal !== undefined) return this.refuse(refusal);
    const entry = this.hostHeader === undefined ? undefined : this.ctx.lookup(this.hostHeader);
    if (entry === undefined) return this.refuse('not_found');
    this.entry = entry;
    if (entry.unavailable !== undefined) return this.fail(entry.unavailable);
    this.phase = CONNECTING;
    this.ctx.track(this);
    this.attempt();
  }

  /** The response head is decided: whether the connection stays open was announced. */
  get responseStarted(): boolean {
    return this.output.headWritten;
  }

  /** The response waits for the client to read what was written (backpressure). */
  get waitingForClient(): boolean {
    return this.waitingClientDrain;
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
      else if (status === 100 && this.expectContinue && !this.websocket) this.output.continue();
      return;
    }
    this.status = status;
    this.phase = STREAMING;
    this.activity++;
    this.output.start(head, this.requestId, this.ctx.now());
  }

  onResponseBody(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.activity++;
    this.output.body(chunk);
  }

  /** The end of one read from the dyno: what it brought is sent now (server-sent events arrive as sent). */
  onReadEnd(): void {
    this.flush();
  }

  onResponseEnd(reusable: boolean): void {
    const conn = this.conn!;
    this.conn = null;
    const now = this.ctx.now();
    if (this.waitingClientDrain) {
      this.waitingClientDrain = false;
      conn.socket.resume();
    }
    if (reusable && this.requestDone) this.backend!.release(conn, now);
    else conn.destroy();
    this.releaseBackend();
    this.output.end();
    this.output.flush();
    this.finish(undefined, now);
    this.client.responseDone(!this.client.closeAfterResponse);
  }

  onUpgrade(early: Buffer): void {
    const conn = this.conn!;
    const response = this.upgradeResponse;
    if (!this.websocket || response === null) {
      this.upstreamBroken('H17', 'unexpected 101 response');
      return;
    }
    this.conn = null;
    this.status = 101;
    const now = this.ctx.now();
    const head = this.output.upgradeHead(response, this.requestId, now);
    // A tunnel is not "in flight" for draining: it may last for hours and ends with its dyno.
    this.releaseBackend();
    this.finish(undefined, now);
    const fromClient = this.client.detach();
    this.ctx.tunnel(this.client.socket, conn, head, early, fromClient);
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
    } else if (conn.reused && !conn.parser.started && !this.bodyStarted && !this.retriedStale && IDEMPOTENT.has(this.method)) {
      // The dyno closed an idle pooled connection as the request went out: nothing was processed.
      this.retriedStale = true;
      this.releaseBackend();
      this.attempt();
    } else {
      this.upstreamBroken('H13', reason);
    }
  }

  onUpstreamDrain(): void {
    this.client.resumeBody();
  }

  // ---- client events ----

  /** The client went away before the response was complete (H27). */
  clientClosed(): void {
    if (this.phase === DONE) return;
    this.dropConnection();
    this.releaseBackend();
    this.status = 499;
    this.finish('H27', this.ctx.now());
  }

  clientDrained(): void {
    if (!this.waitingClientDrain) return;
    this.waitingClientDrain = false;
    if (this.conn !== null) this.conn.socket.resume();
  }

  // ---- request body (BodyReader) ----

  bodyData(piece: Buffer): void {
    const conn = this.conn;
    if (conn === null) return;
    this.bodyStarted = true;
    this.activity++;
    if (!conn.writeBody(piece, this.chunked)) this.client.pauseBody();
  }

  bodyEnd(): void {
    if (this.conn === null) return;
    if (this.chunked) this.conn.write('0\r\n\r\n');
    this.requestDone = true;
    if (this.phase === SENDING) this.enterWaiting(this.ctx.now());
  }

  /** The client's chunked framing is broken: the request cannot be completed. */
  bodyFailed(reason: string): void {
    this.ctx.logger.debug({ app: this.entry?.app, reason }, 'malformed request body');
    this.client.closeAfterResponse = true;
    this.dropConnection();
    this.releaseBackend();
    if (!this.output.headFlushed) {
      this.sendPage('bad_request');
      this.finish(undefined, this.ctx.now());
      this.client.responseDone(false);
    } else {
      this.client.destroy();
      this.finish('H27', this.ctx.now());
    }
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

  /** Client body bytes are sent only once a connection stands, so a refused connect can be retried elsewhere. */
  private startBody(now: number): void {
    if (!this.hasBody) {
      this.requestDone = true;
      this.enterWaiting(now);
      return;
    }
    this.phase = SENDING;
    this.activity++;
    this.client.readBody(this);
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
    this.releaseBackend();
    if (!this.output.headFlushed) {
      this.fail(code);
    } else {
      this.client.destroy();
      this.finish(code, this.ctx.now());
    }
  }

  private fail(code: RouterErrorCode): void {
    const closes = this.sendPage(code);
    this.finish(code, this.ctx.now());
    this.client.responseDone(!closes);
  }

  /** Answers a request the router will not route; it is in no app's log. */
  private refuse(page: RouterPage): void {
    const closes = this.sendPage(page);
    this.phase = DONE;
    this.ctx.logger.debug({ host: this.hostHeader, path: this.path, status: this.status }, 'request refused');
    this.client.responseDone(!closes);
  }

  /** Writes a router page; returns whether the connection closes after it. */
  private sendPage(page: RouterPage): boolean {
    this.status = pageStatus(page);
    this.bytes = this.output.page(page, this.requestId || undefined, this.ctx.now());
    return this.client.closeAfterResponse;
  }

  private flush(): void {
    if (!this.output.flush() && !this.waitingClientDrain && this.conn !== null) {
      this.waitingClientDrain = true;
      this.conn.socket.pause();
    }
  }

  private finish(code: RouterErrorCode | undefined, now: number): void {
    if (this.phase === DONE) return;
    this.phase = DONE;
    this.ctx.untrack(this);
    if (this.connectMs >= 0) this.serviceMs = Math.max(0, now - this.startMs - this.connectMs);
    this.code = code;
    this.ctx.log(this.entry!, this, now - this.startMs);
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
}

function penaltyOf(backends: readonly Backend[]): RouterErrorCode | undefined {
  return backends.length > 0 ? backends[0]!.penaltyCode : undefined;
}

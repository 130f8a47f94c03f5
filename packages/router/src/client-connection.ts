import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { formatRouterPage, pageStatus, type RouterPage } from './error-pages.js';
import { Exchange } from './exchange.js';
import type { ClientInfo } from './headers.js';
import type { ProxyContext } from './proxy-context.js';
import { isShared, READ_BUFFER, readShared } from './read-buffer.js';
import { RequestBody, type BodySink } from './request-body.js';
import { checkPartialHead, parseRequestHead } from './request-parser.js';

/** What reads a request's body: the exchange, told about the body's end and framing errors too. */
export interface BodyReader extends BodySink {
  bodyEnd(): void;
  bodyFailed(reason: string): void;
}

// Connection states.
/** Waiting for a request (fresh, or kept alive after a response). */
const IDLE = 0;
/** Part of a request head arrived. */
const HEAD = 1;
/** An exchange is in progress. */
const ACTIVE = 2;
/** Closing: our side ended, what the client still sends is discarded so that it reads our answer. */
const LINGER = 3;
const CLOSED = 4;
/** Handed over to a WebSocket tunnel. */
const DETACHED = 5;

/** Bytes read ahead of the exchange's need (pipelined requests, a body not yet wanted) before reading pauses. */
const READ_AHEAD_LIMIT = 64 * 1024;
/** How long a closing connection waits for the client to close before it is destroyed. */
const LINGER_MS = 2000;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);
const DISCARD: BodySink = { bodyData: noop };

/**
 * One client connection: reads request heads with the router's own parser, runs one exchange at a time
 * (pipelined requests wait in order), frames request bodies, and decides when the connection closes.
 * Timeouts are checked by the router's sweep through `tick`.
 */
export class ClientConnection {
  /** Whether the connection is to be closed after the response in progress. */
  closeAfterResponse = false;
  private state = IDLE;
  /** Bytes read and not consumed yet. */
  private pending: Buffer | null = null;
  /** How far `pending` was searched for the end of a head. */
  private scanned = 0;
  private exchange: Exchange | null = null;
  private body: RequestBody | null = null;
  private reader: BodyReader | null = null;
  private bodyFlowing = false;
  private bodyEnded = false;
  /** When the current state began (timeouts). */
  private since: number;
  private fresh = true;
  private processing = false;
  private paused = false;
  /** The router is closing: answer what comes, then close. */
  private draining = false;

  constructor(
    private readonly ctx: ProxyContext,
    readonly socket: Socket,
    readonly info: ClientInfo,
  ) {
    this.since = ctx.now();
    if (!readShared(socket, (n) => this.onRead(n))) socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('close', () => this.onClose());
    socket.on('error', noop);
    socket.on('drain', () => this.exchange?.clientDrained());
  }

  /** Checks the head, keep-alive, drain and linger timeouts. */
  tick(now: number): void {
    const o = this.ctx.options;
    const age = now - this.since;
    if (this.state === HEAD && age >= o.headersTimeoutMs) {
      this.refuse('request_timeout');
    } else if (this.state === IDLE && (age >= (this.fresh ? o.headersTimeoutMs : o.keepAliveTimeoutMs) || (this.draining && age >= o.drainIdleMs))) {
      this.socket.destroy();
    } else if (this.state === LINGER && age >= LINGER_MS) {
      this.socket.destroy();
    }
  }

  /**
   * The router is closing. Closing a kept-alive connection at once would race a request the client
   * may be sending on it, so: a response whose head is not decided yet announces `Connection: close`;
   * the next request on a connection whose response already announced keep-alive is answered with
   * `Connection: close`; a connection idle for `drainIdleMs` is closed (`tick`).
   */
  shutdown(): void {
    this.draining = true;
    if (this.state === ACTIVE && this.exchange !== null && !this.exchange.responseStarted) this.closeAfterResponse = true;
  }

  destroy(): void {
    if (this.state !== DETACHED) this.socket.destroy();
  }

  // ---- for the exchange ----

  /** Writes response bytes (latin1 text). Returns false when the client is not keeping up. */
  write(text: string): boolean {
    return this.socket.write(text, 'latin1');
  }

  writeBuffer(data: Buffer): boolean {
    return this.socket.write(data);
  }

  /** Starts handing the request body to `reader`. */
  readBody(reader: BodyReader): void {
    this.reader = reader;
    this.bodyFlowing = true;
    this.pumpBody();
    this.resumeReading();
  }

  /** The dyno is not keeping up with the body: stop reading the client. */
  pauseBody(): void {
    if (!this.bodyFlowing) return;
    this.bodyFlowing = false;
    this.pauseReading();
  }

  resumeBody(): void {
    if (this.bodyFlowing || this.reader === null) return;
    this.bodyFlowing = true;
    this.pumpBody();
    if (this.bodyFlowing) this.resumeReading();
  }

  /** The request body (if any) was read completely. */
  get bodyComplete(): boolean {
    return this.body === null || this.body.done;
  }

  /** The exchange's response is complete; the connection goes on with the next request or closes. */
  responseDone(keepAlive: boolean): void {
    this.exchange = null;
    this.reader = null;
    const body = this.body;
    this.body = null;
    // A body nobody read (a router page answered first) is skipped if it is here already.
    if (body !== null && !body.done && this.pending !== null) {
      const used = body.feed(this.pending, 0, DISCARD);
      this.pending = used < this.pending.length ? this.pending.subarray(used) : null;
    }
    const bodyLeft = body !== null && !body.done;
    if (this.state !== ACTIVE) return;
    if (!keepAlive || this.closeAfterResponse || bodyLeft) {
      this.linger();
      return;
    }
    this.state = IDLE;
    this.since = this.ctx.now();
    this.resumeReading();
    this.process();
  }

  /** Answers with a router page without any exchange (malformed heads, head timeout). */
  refuse(page: RouterPage): void {
    if (this.state === LINGER || this.state === CLOSED || this.state === DETACHED) return;
    this.socket.write(formatRouterPage(page, undefined, '', false, this.ctx.now()), 'latin1');
    this.ctx.logger.debug({ status: pageStatus(page), address: this.info.address }, 'request refused');
    this.linger();
  }

  /** Hands the socket to a tunnel; returns what the client sent after the upgrade request. */
  detach(): Buffer {
    this.state = DETACHED;
    this.exchange = null;
    const s = this.socket;
    s.removeAllListeners('data');
    s.removeAllListeners('end');
    s.removeAllListeners('close');
    s.removeAllListeners('drain');
    // Keep the 'error' listener until the new owner adds its own.
    const early = this.pending ?? EMPTY;
    this.pending = null;
    this.ctx.forgetConnection(this);
    if (this.paused) {
      this.paused = false;
      s.resume();
    }
    return early;
  }

  // ---- socket events ----

  /** A read into the shared buffer: handled as a chunk, then what is kept of it is copied. */
  private onRead(n: number): boolean {
    this.onData(READ_BUFFER.subarray(0, n));
    const pending = this.pending;
    if (pending !== null && isShared(pending)) this.pending = Buffer.from(pending);
    return true;
  }

  private onData(chunk: Buffer): void {
    if (this.state === LINGER) return;
    if (this.pending === null) {
      this.pending = chunk;
    } else {
      this.pending = Buffer.concat([this.pending, chunk]);
    }
    if (this.state === IDLE || this.state === HEAD) {
      this.process();
    } else if (this.state === ACTIVE) {
      if (this.bodyFlowing) this.pumpBody();
      else if (this.pending !== null && this.pending.length > READ_AHEAD_LIMIT) this.pauseReading();
    }
  }

  private onEnd(): void {
    // As node:http does by default: a client that ends its side abandons its request (H27).
    if (this.state === ACTIVE) this.exchange?.clientClosed();
  }

  private onClose(): void {
    const wasActive = this.state === ACTIVE;
    this.state = CLOSED;
    this.pending = null;
    if (wasActive) this.exchange?.clientClosed();
    this.exchange = null;
    this.ctx.forgetConnection(this);
  }

  // ---- internals ----

  /** Parses and runs the requests in `pending`, one at a time. */
  private process(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while ((this.state === IDLE || this.state === HEAD) && this.pending !== null) {
        if (!this.startRequest()) break;
      }
    } finally {
      this.processing = false;
    }
  }

  /** Starts the request at the front of `pending`; false when its head is not complete yet. */
  private startRequest(): boolean {
    let buf = this.pending!;
    // RFC 9112 2.2: empty lines before a request line are ignored.
    let skip = 0;
    while (skip + 1 < buf.length && buf[skip] === 13 && buf[skip + 1] === 10) skip += 2;
    if (skip > 0) {
      buf = buf.subarray(skip);
      this.pending = buf.length > 0 ? buf : null;
      this.scanned = 0;
      if (this.pending === null) return false;
    }
    const end = buf.indexOf(CRLFCRLF, Math.max(0, this.scanned - 3));
    const max = this.ctx.options.maxHeaderBytes;
    if (end === -1) {
      const refusal = checkPartialHead(buf, this.scanned, max);
      this.scanned = buf.length;
      if (refusal !== undefined) {
        this.refuse(refusal);
        return false;
      }
      if (this.state === IDLE) {
        this.state = HEAD;
        this.since = this.ctx.now();
      }
      return false;
    }
    this.scanned = 0;
    if (end + 4 > max) {
      this.refuse('header_too_large');
      return false;
    }
    const text = buf.toString('latin1', 0, end + 2);
    this.pending = end + 4 < buf.length ? buf.subarray(end + 4) : null;
    const head = parseRequestHead(text);
    if (typeof head === 'string') {
      this.refuse(head);
      return false;
    }
    this.state = ACTIVE;
    this.fresh = false;
    if (this.draining) this.closeAfterResponse = true;
    this.bodyFlowing = false;
    this.bodyEnded = false;
    this.body = head.contentLength > 0 || head.chunked ? new RequestBody(head.contentLength, head.chunked) : null;
    const exchange = new Exchange(this.ctx, this, head);
    this.exchange = exchange;
    exchange.run();
    return true;
  }

  /** Feeds buffered bytes to the body reader. */
  private pumpBody(): void {
    const body = this.body;
    const reader = this.reader;
    if (body === null || reader === null || this.bodyEnded) return;
    const buf = this.pending;
    if (buf !== null && !body.done && !body.failed) {
      const used = body.feed(buf, 0, reader);
      this.pending = used < buf.length ? buf.subarray(used) : null;
    }
    if (this.reader !== reader || this.bodyEnded) return;
    if (body.failed) {
      this.bodyEnded = true;
      reader.bodyFailed(body.error ?? 'invalid body');
    } else if (body.done) {
      this.bodyEnded = true;
      reader.bodyEnd();
    }
  }

  private linger(): void {
    this.state = LINGER;
    this.since = this.ctx.now();
    this.pending = null;
    this.socket.end();
    this.resumeReading();
  }

  private pauseReading(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  private resumeReading(): void {
    if (!this.paused) return;
    if (this.state === ACTIVE && !this.bodyFlowing && this.pending !== null && this.pending.length > READ_AHEAD_LIMIT) return;
    this.paused = false;
    this.socket.resume();
  }
}

/** The client side as the router forwards it; computed once per connection. */
export function clientInfo(socket: Socket): ClientInfo {
  const remote = socket.remoteAddress ?? '';
  return {
    address: remote.startsWith('::ffff:') ? remote.slice(7) : remote,
    port: String(socket.localPort ?? ''),
    proto: (socket as TLSSocket).encrypted === true ? 'https' : 'http',
  };
}

function noop(): void {}

import { connect, type Socket } from 'node:net';
import { owned, READ_BUFFER, sharedReads } from './read-buffer.js';
import { ResponseParser, type ResponseHead, type ResponseSink } from './response-parser.js';

/** Why a connection to a dyno failed before its response was complete. */
export type UpstreamFailure = 'connect' | 'closed' | 'malformed';

/** The request currently using a connection; the connection reports to it. */
export interface UpstreamHandler {
  /** A new connection was established. */
  onUpstreamConnect(): void;
  onResponseHead(head: ResponseHead): void;
  onResponseBody(chunk: Buffer): void;
  /**
   * The response was read completely. `reusable` says whether the connection can carry another
   * request; the handler then releases it to its backend or destroys it.
   */
  onResponseEnd(reusable: boolean): void;
  /** The dyno answered 101; the handler now owns the connection (see `forwardTo`). `rest` is early data of the new protocol. */
  onUpgrade(rest: Buffer): void;
  onUpstreamFailure(failure: UpstreamFailure, reason: string): void;
  /** One read from the socket was processed and the response goes on. */
  onReadEnd(): void;
  /** The socket's write buffer emptied (request body backpressure). */
  onUpstreamDrain(): void;
}

/** What a connection needs from its backend's pool. */
export interface ConnectionOwner {
  readonly host: string;
  readonly port: number;
  /** The connection closed while idle in the pool. */
  forget(conn: UpstreamConnection): void;
}

/**
 * One keep-alive TCP connection to a dyno. Listeners are attached once per connection, not per request;
 * the request in progress is `handler`. Bytes read are views of a shared buffer, valid during the call.
 */
export class UpstreamConnection implements ResponseSink {
  readonly socket: Socket;
  readonly parser: ResponseParser;
  handler: UpstreamHandler | null = null;
  connected = false;
  closed = false;
  /** Responses completed on this connection; above 0 the connection is a reused one. */
  served = 0;
  /** When it went back to the pool. */
  idleSince = 0;
  /** The dyno's keep-alive hint (ms), 0 when it sent none. */
  keepAliveHintMs = 0;
  private lastError = '';
  /** After an upgrade: where the bytes the dyno sends go. */
  private forward: ((data: Buffer) => void) | null = null;

  constructor(private readonly owner: ConnectionOwner) {
    this.parser = new ResponseParser(this);
    const socket = connect({
      host: owner.host,
      port: owner.port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 60_000,
      // Dyno sockets read into the router's shared buffer (see read-buffer.ts).
      onread: sharedReads((n: number) => {
        this.onData(READ_BUFFER.subarray(0, n));
        return true;
      }),
    });
    this.socket = socket;
    socket.on('connect', () => this.onConnect());
    socket.on('end', () => this.onEnd());
    socket.on('error', (err: Error) => {
      this.lastError = (err as NodeJS.ErrnoException).code ?? err.message;
    });
    socket.on('close', () => this.onClose());
    socket.on('drain', () => this.handler?.onUpstreamDrain());
  }

  /** Sends a request head; the response is reported to `handler`. */
  begin(handler: UpstreamHandler, head: string, noResponseBody: boolean): void {
    this.handler = handler;
    this.parser.reset(noResponseBody);
    if (this.socket.isPaused()) this.socket.resume();
    this.socket.write(head, 'latin1');
  }

  /** The request's body bytes, as they are to go on the wire. Returns false when the caller should wait for drain. */
  write(data: Buffer | string): boolean {
    return typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
  }

  /**
   * A piece of the request body, as one chunk when the router re-frames the body. Pieces read into the
   * shared buffer are copied: the socket may keep them queued.
   */
  writeBody(body: Buffer, chunked: boolean): boolean {
    const piece = owned(body);
    if (!chunked) return this.socket.write(piece);
    // One writev: size line, data, CRLF.
    const socket = this.socket;
    socket.cork();
    socket.write(piece.length.toString(16) + '\r\n', 'latin1');
    socket.write(piece);
    const ok = socket.write('\r\n', 'latin1');
    socket.uncork();
    return ok;
  }

  /** Closes the connection without reporting to the handler. */
  destroy(): void {
    this.handler = null;
    if (!this.closed) this.socket.destroy();
  }

  /** The connection got at least one response before, so it may have been closed by the dyno meanwhile. */
  get reused(): boolean {
    return this.served > 0;
  }

  onHead(head: ResponseHead): void {
    if (head.statusCode >= 200) this.keepAliveHintMs = head.keepAliveHintMs;
    this.handler?.onResponseHead(head);
  }

  onBody(chunk: Buffer): void {
    this.handler?.onResponseBody(chunk);
  }

  private onConnect(): void {
    this.connected = true;
    this.handler?.onUpstreamConnect();
  }

  /** After a 101: the tunnel takes the bytes the dyno sends (copies; the read buffer is shared). */
  forwardTo(forward: (data: Buffer) => void): void {
    this.forward = forward;
  }

  private onData(chunk: Buffer): void {
    if (this.forward !== null) {
      this.forward(Buffer.from(chunk));
      return;
    }
    if (this.handler === null) {
      // Bytes nobody asked for (idle, or after a response): the stream is out of step.
      this.destroy();
      return;
    }
    const parser = this.parser;
    const used = parser.execute(chunk);
    const handler = this.handler;
    if (handler === null) return; // the handler gave the connection up while reading
    if (parser.failed) {
      this.handler = null;
      this.socket.destroy();
      handler.onUpstreamFailure('malformed', parser.error ?? 'malformed response');
    } else if (parser.upgraded) {
      this.detach();
      handler.onUpgrade(Buffer.from(chunk.subarray(used)));
    } else if (parser.complete) {
      this.handler = null;
      this.served++;
      handler.onResponseEnd(parser.reusable && used === chunk.length);
    } else {
      handler.onReadEnd();
    }
  }

  private onEnd(): void {
    const handler = this.handler;
    // A body delimited by the close is complete now; anything else is reported on 'close'.
    if (handler !== null && this.parser.started && this.parser.finish()) {
      this.handler = null;
      handler.onResponseEnd(false);
    }
  }

  private onClose(): void {
    this.closed = true;
    const handler = this.handler;
    if (handler === null) {
      this.owner.forget(this);
      return;
    }
    this.handler = null;
    handler.onUpstreamFailure(this.connected ? 'closed' : 'connect', this.lastError || 'closed');
  }

  /** Hands the socket over (WebSocket tunnel): no more parsing, no pool. */
  private detach(): void {
    this.handler = null;
    this.closed = true;
    // Until the tunnel takes the bytes, they wait in the kernel.
    this.socket.pause();
    const s = this.socket;
    s.removeAllListeners('connect');
    s.removeAllListeners('end');
    s.removeAllListeners('close');
    s.removeAllListeners('drain');
    // Keep the 'error' listener until the new owner adds its own.
  }
}

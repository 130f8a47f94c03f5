import type { IncomingMessage } from 'node:http';
import type { UpstreamConnection } from './upstream-connection.js';

/** What the body pump needs from its exchange. */
export interface BodyOwner {
  /** The connection the body goes to now (a retry may have changed it), or null when there is none. */
  readonly upstream: UpstreamConnection | null;
  /** Bytes moved (resets the idle timeout). */
  bodyActivity(): void;
  /** The whole body was handed to the connection. */
  bodySent(): void;
}

const kBody = Symbol('paas.requestBody');
type Tagged = IncomingMessage & { [kBody]?: RequestBody };

/**
 * Streams a client's request body to the dyno with backpressure both ways, re-framing chunked bodies.
 * Reading starts only once a connection stands, so a refused connect leaves the body unread and the
 * request can go to another dyno.
 */
export class RequestBody {
  /** A byte of the body was read from the client: the request can no longer be sent elsewhere. */
  started = false;
  private listening = false;
  private waitingDrain = false;
  private done = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly chunked: boolean,
    private readonly owner: BodyOwner,
  ) {}

  start(): void {
    if (this.listening || this.done) return;
    this.listening = true;
    (this.req as Tagged)[kBody] = this;
    this.req.on('data', onData);
    this.req.on('end', onEnd);
  }

  /** The connection's write buffer emptied. */
  drained(): void {
    if (this.waitingDrain) {
      this.waitingDrain = false;
      this.req.resume();
    }
  }

  /** Stops reading; node:http discards or closes what the client still sends. */
  stop(): void {
    this.done = true;
    if (!this.listening) return;
    this.listening = false;
    this.req.removeListener('data', onData);
    this.req.removeListener('end', onEnd);
    this.drained();
  }

  data(chunk: Buffer): void {
    const conn = this.owner.upstream;
    if (conn === null || this.done) return;
    this.started = true;
    this.owner.bodyActivity();
    let ok: boolean;
    if (this.chunked) {
      // One writev per chunk: size line, data, CRLF.
      const socket = conn.socket;
      socket.cork();
      conn.write(chunk.length.toString(16) + '\r\n');
      conn.write(chunk);
      ok = conn.write('\r\n');
      socket.uncork();
    } else {
      ok = conn.write(chunk);
    }
    if (!ok) {
      this.waitingDrain = true;
      this.req.pause();
    }
  }

  end(): void {
    const conn = this.owner.upstream;
    if (conn === null || this.done) return;
    this.done = true;
    if (this.chunked) conn.write('0\r\n\r\n');
    this.owner.bodySent();
  }
}

function onData(this: Tagged, chunk: Buffer): void {
  this[kBody]?.data(chunk);
}
function onEnd(this: Tagged): void {
  this[kBody]?.end();
}

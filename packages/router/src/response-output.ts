import type { ClientConnection } from './client-connection.js';
import {
  CONNECTION_CLOSE,
  CONNECTION_UPGRADE,
  FRAME_CHUNKED,
  FRAME_CLOSE,
  FRAME_LENGTH,
  FRAME_NONE,
  FRAME_UPGRADE,
  formatResponseHead,
  type Framing,
} from './client-response.js';
import { formatRouterPage, pageBytes, pageCloses, type RouterPage } from './error-pages.js';
import type { ResponseHead } from './response-head.js';

/** Body pieces up to this size are copied into the pending text, so a small response is one write. */
const INLINE_LIMIT = 8 * 1024;

/**
 * The response towards the client: how its body is framed and whether the connection stays open, the
 * head, the body, or a router page instead. Bytes are gathered while one read from the dyno is
 * processed and written when it ends (`flush`): a response that arrives in one read leaves in one
 * write, and server-sent events still leave as they arrive.
 */
export class ResponseOutput {
  /** The response head reached the socket: an error can no longer be answered with a page. */
  headFlushed = false;
  private text = '';
  private headPending = false;
  private framing: Framing = FRAME_NONE;
  private corked = false;
  /** A write since the last flush reported backpressure. */
  private full = false;

  constructor(
    private readonly client: ClientConnection,
    /** The `Connection` lines of a response on a connection that stays open. */
    private readonly keepAliveLine: string,
    private readonly method: string,
    /** The client's HTTP version: 0 for HTTP/1.0. */
    private readonly versionMinor: number,
  ) {}

  /** The head is decided (pending or sent): its `Connection` line can no longer change. */
  get headWritten(): boolean {
    return this.headPending || this.headFlushed;
  }

  /** Relays the dyno's `100 Continue` (HTTP/1.1 clients only). */
  continue(): void {
    if (this.versionMinor === 1) this.text += 'HTTP/1.1 100 Continue\r\n\r\n';
  }

  /** The dyno's final response head. */
  start(head: ResponseHead, requestId: string, now: number): void {
    const status = head.statusCode;
    let framing: Framing;
    if (this.method === 'HEAD' || status === 204 || status === 304) framing = FRAME_NONE;
    else if (head.contentLength >= 0) framing = FRAME_LENGTH;
    else framing = this.versionMinor === 1 ? FRAME_CHUNKED : FRAME_CLOSE;
    const client = this.client;
    // A body the client is still sending when the answer comes cannot be skipped safely: close after.
    if (framing === FRAME_CLOSE || !client.bodyComplete) client.closeAfterResponse = true;
    this.text += formatResponseHead(head, requestId, framing, client.closeAfterResponse ? CONNECTION_CLOSE : this.keepAliveLine, now);
    this.framing = framing;
    this.headPending = true;
  }

  /** The head of a 101 response, for the tunnel to write. */
  upgradeHead(head: ResponseHead, requestId: string, now: number): string {
    return formatResponseHead(head, requestId, FRAME_UPGRADE, CONNECTION_UPGRADE, now);
  }

  /**
   * Writes one of the router's own pages instead of a response; returns the body bytes sent. The
   * connection is marked to close when the page or an unread request body asks for it.
   */
  page(page: RouterPage, requestId: string | undefined, now: number): number {
    const client = this.client;
    if (pageCloses(page) || !client.bodyComplete) client.closeAfterResponse = true;
    const headOnly = this.method === 'HEAD';
    const connection = client.closeAfterResponse ? CONNECTION_CLOSE : this.keepAliveLine;
    this.discard();
    client.write(formatRouterPage(page, requestId, connection, headOnly, now));
    return headOnly ? 0 : pageBytes(page);
  }

  body(chunk: Buffer): void {
    const n = chunk.length;
    if (n === 0) return;
    const chunked = this.framing === FRAME_CHUNKED;
    if (n <= INLINE_LIMIT && this.text.length <= INLINE_LIMIT) {
      this.text += chunked ? n.toString(16) + '\r\n' + chunk.toString('latin1') + '\r\n' : chunk.toString('latin1');
      return;
    }
    // Larger pieces go out as buffers, with what is pending, in one writev at the flush.
    if (!this.corked) {
      this.corked = true;
      this.client.socket.cork();
    }
    const before = chunked ? this.text + n.toString(16) + '\r\n' : this.text;
    if (before !== '' && !this.client.write(before)) this.full = true;
    // A copy: the chunk is a view of the dyno sockets' shared read buffer, and may wait in the socket.
    if (!this.client.writeBuffer(Buffer.from(chunk))) this.full = true;
    this.text = chunked ? '\r\n' : '';
    if (this.headPending) {
      this.headPending = false;
      this.headFlushed = true;
    }
  }

  /** The body is complete: the last chunk when the router frames it. */
  end(): void {
    if (this.framing === FRAME_CHUNKED) this.text += '0\r\n\r\n';
  }

  /** Writes what is pending. Returns false when the client is not keeping up. */
  flush(): boolean {
    let ok = !this.full;
    this.full = false;
    if (this.text !== '') {
      ok = this.client.write(this.text) && ok;
      this.text = '';
    }
    if (this.corked) {
      this.corked = false;
      this.client.socket.uncork();
    }
    if (this.headPending) {
      this.headPending = false;
      this.headFlushed = true;
    }
    return ok;
  }

  /** Forgets what was not written yet (a page replaces a response that never reached the client). */
  discard(): void {
    this.text = '';
    this.headPending = false;
    if (this.corked) {
      this.corked = false;
      this.client.socket.uncork();
    }
  }
}

/**
 * Incremental parser of HTTP/1.x responses from dynos. The router writes requests on raw pooled sockets
 * (node:http's client costs about half the router's time), so it reads the answers itself. Strict
 * where framing is concerned (a malformed response is H17), and it never copies body bytes: body chunks
 * are views of the socket's buffers.
 */

import { parseHead, type ParsedHead, type ResponseHead } from './response-head.js';

export type { ResponseHead } from './response-head.js';

export interface ResponseSink {
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
}

// Parser states.
const HEAD = 0;
const BODY_LENGTH = 1;
const BODY_CLOSE = 2;
const CHUNK_SIZE = 3;
const CHUNK_EXT = 4;
const CHUNK_SIZE_LF = 5;
const CHUNK_DATA = 6;
const CHUNK_DATA_CR = 7;
const CHUNK_DATA_LF = 8;
const TRAILER = 9;
const TRAILER_LF = 10;
const DONE = 11;
const UPGRADED = 12;
const FAILED = 13;

const CR = 13;
const LF = 10;
/** A response head larger than this is H17. */
export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_EXT_BYTES = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

export class ResponseParser {
  private state = HEAD;
  private noBody = false;
  private remaining = 0;
  private partialHead: Buffer | null = null;
  private chunkDigits = 0;
  private extraBytes = 0;
  private trailerLine = 0;
  private keepAlive = false;
  /** Any byte of a response was received for the current request. */
  started = false;
  /** Why parsing failed, when it did. */
  error: string | null = null;

  constructor(private readonly sink: ResponseSink) {}

  /** Prepares for the response to a new request; `noBody` for HEAD requests. */
  reset(noBody: boolean): void {
    this.state = HEAD;
    this.noBody = noBody;
    this.partialHead = null;
    this.started = false;
    this.error = null;
    this.keepAlive = false;
  }

  /** The final response was read completely. */
  get complete(): boolean {
    return this.state === DONE;
  }

  /** The dyno answered 101; the bytes after the head belong to the new protocol. */
  get upgraded(): boolean {
    return this.state === UPGRADED;
  }

  get failed(): boolean {
    return this.state === FAILED;
  }

  /** The connection may carry another request (valid once `complete`). */
  get reusable(): boolean {
    return this.keepAlive;
  }

  /** The body ends when the dyno closes the connection. */
  get closeDelimited(): boolean {
    return this.state === BODY_CLOSE;
  }

  /**
   * Feeds bytes from the socket. Returns how many were consumed: fewer than given once the response is
   * complete, upgraded or failed (then `error` says why).
   */
  execute(chunk: Buffer): number {
    let off = 0;
    const len = chunk.length;
    if (len > 0) this.started = true;
    while (off < len) {
      switch (this.state) {
        case HEAD: {
          off = this.readHead(chunk, off);
          break;
        }
        case BODY_LENGTH:
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, len - off);
          this.remaining -= n;
          const part = off === 0 && n === len ? chunk : chunk.subarray(off, off + n);
          off += n;
          if (this.remaining === 0) this.state = this.state === BODY_LENGTH ? DONE : CHUNK_DATA_CR;
          this.sink.onBody(part);
          break;
        }
        case BODY_CLOSE:
          this.sink.onBody(off === 0 ? chunk : chunk.subarray(off));
          return len;
        case CHUNK_SIZE: {
          const c = chunk[off++]!;
          const digit = hexValue(c);
          if (digit >= 0) {
            if (++this.chunkDigits > 12) return this.fail('chunk size too large', off);
            this.remaining = this.remaining * 16 + digit;
          } else if (this.chunkDigits === 0) {
            return this.fail('invalid chunk size', off);
          } else if (c === CR) {
            this.state = CHUNK_SIZE_LF;
          } else if (c === 59 /* ; */ || c === 32 || c === 9) {
            this.state = CHUNK_EXT;
            this.extraBytes = 0;
          } else {
            return this.fail('invalid chunk size', off);
          }
          break;
        }
        case CHUNK_EXT: {
          const c = chunk[off++]!;
          if (c === CR) this.state = CHUNK_SIZE_LF;
          else if (c === LF || ++this.extraBytes > MAX_CHUNK_EXT_BYTES) return this.fail('invalid chunk extension', off);
          break;
        }
        case CHUNK_SIZE_LF:
          if (chunk[off++] !== LF) return this.fail('invalid chunk size line', off);
          if (this.remaining === 0) {
            this.state = TRAILER;
            this.trailerLine = 0;
            this.extraBytes = 0;
          } else {
            this.state = CHUNK_DATA;
          }
          break;
        case CHUNK_DATA_CR:
          if (chunk[off++] !== CR) return this.fail('chunk not followed by CRLF', off);
          this.state = CHUNK_DATA_LF;
          break;
        case CHUNK_DATA_LF:
          if (chunk[off++] !== LF) return this.fail('chunk not followed by CRLF', off);
          this.startChunk();
          break;
        case TRAILER: {
          // Trailer fields are dropped (the Trailer header is hop-by-hop and not forwarded either).
          const c = chunk[off++]!;
          if (c === CR) this.state = TRAILER_LF;
          else if (c === LF || ++this.extraBytes > MAX_TRAILER_BYTES) return this.fail('invalid trailer', off);
          else this.trailerLine++;
          break;
        }
        case TRAILER_LF:
          if (chunk[off++] !== LF) return this.fail('invalid trailer', off);
          if (this.trailerLine === 0) {
            this.state = DONE;
          } else {
            this.trailerLine = 0;
            this.state = TRAILER;
          }
          break;
        default:
          // DONE, UPGRADED, FAILED: whatever follows is not part of this response.
          return off;
      }
    }
    return off;
  }

  /**
   * The dyno closed its side. Returns true when that completed the response (a body delimited by the
   * close), false when the response was cut short or never came.
   */
  finish(): boolean {
    if (this.state === BODY_CLOSE) {
      this.state = DONE;
      return true;
    }
    return this.state === DONE;
  }

  private startChunk(): void {
    this.state = CHUNK_SIZE;
    this.remaining = 0;
    this.chunkDigits = 0;
  }

  private fail(reason: string, off: number): number {
    this.state = FAILED;
    this.error = reason;
    return off;
  }

  /** Returns the offset after the head; all of the chunk when the head is incomplete or malformed. */
  private readHead(chunk: Buffer, off: number): number {
    let buf = chunk;
    let start = off;
    let searchFrom = off;
    if (this.partialHead !== null) {
      const prev = this.partialHead;
      buf = Buffer.concat([prev, chunk.subarray(off)]);
      start = 0;
      searchFrom = Math.max(0, prev.length - 3);
    }
    const end = buf.indexOf(CRLFCRLF, searchFrom);
    if (end === -1) {
      if (buf.length - start > MAX_RESPONSE_HEAD_BYTES) return this.fail('response head too large', chunk.length);
      // Copied, so that a partial head does not pin the socket's (larger) read buffer.
      this.partialHead = buf !== chunk ? buf : Buffer.from(buf.subarray(start));
      return chunk.length;
    }
    if (end - start > MAX_RESPONSE_HEAD_BYTES) return this.fail('response head too large', chunk.length);
    const consumedOfPrev = this.partialHead === null ? 0 : this.partialHead.length;
    this.partialHead = null;
    // Head text includes the CRLF ending its last line, so every line ends with CRLF.
    const head = parseHead(buf.toString('latin1', start, end + 2));
    if (typeof head === 'string') return this.fail(head, chunk.length);
    const after = buf === chunk ? end + 4 : end + 4 - consumedOfPrev + off;
    this.beginBody(head);
    this.sink.onHead(head.head);
    return after;
  }

  private beginBody(parsed: ParsedHead): void {
    const { head } = parsed;
    const status = head.statusCode;
    if (status < 200) {
      // 101 hands the connection over; other 1xx are interim and a final response follows.
      this.state = status === 101 ? UPGRADED : HEAD;
      return;
    }
    this.keepAlive = head.keepAlive;
    if (this.noBody || status === 204 || status === 304) {
      this.state = DONE;
    } else if (parsed.transferEncoding !== null) {
      // With Transfer-Encoding, Content-Length is ignored (RFC 9112 6.3), and the connection is not
      // reused after a message that carried both.
      if (parsed.contentLength >= 0) this.keepAlive = false;
      if (lastCoding(parsed.transferEncoding) === 'chunked') {
        this.startChunk();
      } else {
        this.state = BODY_CLOSE;
        this.keepAlive = false;
      }
    } else if (parsed.contentLength >= 0) {
      this.remaining = parsed.contentLength;
      this.state = parsed.contentLength === 0 ? DONE : BODY_LENGTH;
    } else {
      this.state = BODY_CLOSE;
      this.keepAlive = false;
    }
    head.keepAlive = this.keepAlive;
    head.contentLength = parsed.transferEncoding === null ? parsed.contentLength : -1;
  }
}
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}
function lastCoding(te: string): string {
  const comma = te.lastIndexOf(',');
  return (comma === -1 ? te : te.slice(comma + 1)).trim().toLowerCase();
}

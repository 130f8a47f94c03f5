/**
 * Finds the end of a request body in the client's byte stream and hands its data on: Content-Length
 * bodies as they come, chunked bodies decoded strictly (the exchange re-frames them for the dyno, so
 * chunk extensions and trailers never reach it). Data pieces are views of the socket's buffers.
 */

/** Receives the body's data. */
export interface BodySink {
  bodyData(piece: Buffer): void;
}

// Decoder states.
const LENGTH = 0;
const CHUNK_SIZE = 1;
const CHUNK_EXT = 2;
const CHUNK_SIZE_LF = 3;
const CHUNK_DATA = 4;
const CHUNK_DATA_CR = 5;
const CHUNK_DATA_LF = 6;
const TRAILER = 7;
const TRAILER_LF = 8;
const DONE = 9;
const FAILED = 10;

const CR = 13;
const LF = 10;
const MAX_CHUNK_EXT_BYTES = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;

export class RequestBody {
  /** Why the body's framing is broken, when it is. */
  error: string | null = null;
  private state: number;
  private remaining: number;
  private digits = 0;
  private extra = 0;
  private lineBytes = 0;

  constructor(contentLength: number, chunked: boolean) {
    this.state = chunked ? CHUNK_SIZE : contentLength > 0 ? LENGTH : DONE;
    this.remaining = chunked ? 0 : Math.max(0, contentLength);
  }

  /** The whole body was read. */
  get done(): boolean {
    return this.state === DONE;
  }

  get failed(): boolean {
    return this.state === FAILED;
  }

  /**
   * Reads body bytes from `buf` starting at `off`. Returns the offset after the body's bytes: less than
   * `buf.length` once the body is complete (what follows is the next request) or its framing failed.
   */
  feed(buf: Buffer, off: number, sink: BodySink): number {
    const len = buf.length;
    while (off < len) {
      switch (this.state) {
        case LENGTH:
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, len - off);
          const piece = off === 0 && n === len ? buf : buf.subarray(off, off + n);
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = this.state === LENGTH ? DONE : CHUNK_DATA_CR;
          sink.bodyData(piece);
          break;
        }
        case CHUNK_SIZE: {
          const c = buf[off++]!;
          const digit = hexValue(c);
          if (digit >= 0) {
            if (++this.digits > 12) return this.fail('chunk size too large', off);
            this.remaining = this.remaining * 16 + digit;
          } else if (this.digits === 0) {
            return this.fail('invalid chunk size', off);
          } else if (c === CR) {
            this.state = CHUNK_SIZE_LF;
          } else if (c === 59 /* ; */ || c === 32 || c === 9) {
            this.state = CHUNK_EXT;
            this.extra = 0;
          } else {
            return this.fail('invalid chunk size', off);
          }
          break;
        }
        case CHUNK_EXT: {
          const c = buf[off++]!;
          if (c === CR) this.state = CHUNK_SIZE_LF;
          else if (c === LF || c === 0 || ++this.extra > MAX_CHUNK_EXT_BYTES) return this.fail('invalid chunk extension', off);
          break;
        }
        case CHUNK_SIZE_LF:
          if (buf[off++] !== LF) return this.fail('invalid chunk size line', off);
          if (this.remaining === 0) {
            this.state = TRAILER;
            this.lineBytes = 0;
            this.extra = 0;
          } else {
            this.state = CHUNK_DATA;
          }
          break;
        case CHUNK_DATA_CR:
          if (buf[off++] !== CR) return this.fail('chunk not followed by CRLF', off);
          this.state = CHUNK_DATA_LF;
          break;
        case CHUNK_DATA_LF:
          if (buf[off++] !== LF) return this.fail('chunk not followed by CRLF', off);
          this.state = CHUNK_SIZE;
          this.remaining = 0;
          this.digits = 0;
          break;
        case TRAILER: {
          const c = buf[off++]!;
          if (c === CR) this.state = TRAILER_LF;
          else if (c === LF || ++this.extra > MAX_TRAILER_BYTES) return this.fail('invalid trailer', off);
          else this.lineBytes++;
          break;
        }
        case TRAILER_LF:
          if (buf[off++] !== LF) return this.fail('invalid trailer', off);
          if (this.lineBytes === 0) return this.finish(off);
          this.lineBytes = 0;
          this.state = TRAILER;
          break;
        default:
          return off;
      }
    }
    return off;
  }

  private finish(off: number): number {
    this.state = DONE;
    return off;
  }

  private fail(reason: string, off: number): number {
    this.state = FAILED;
    this.error = reason;
    return off;
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/**
 * Incremental parser of HTTP/1.x responses from dynos. The router writes requests on raw pooled sockets
 * (node:http's client costs about half the router's time), so it reads the answers itself. Strict
 * where framing is concerned (a malformed response is H17), and it never copies body bytes: body chunks
 * are views of the socket's buffers.
 */

/** A response head as the dyno sent it. */
export interface ResponseHead {
  statusCode: number;
  statusMessage: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  versionMinor: number;
  /** Header fields in order, flat: name, value, name, value... */
  headers: string[];
  /** Lower-case field names listed in `Connection` besides close/keep-alive/upgrade; they are hop-by-hop. */
  connectionTokens: string[] | null;
  /** Whether the connection can carry another request once this response is complete. */
  keepAlive: boolean;
  /** The dyno's `Keep-Alive: timeout=N` hint, in ms, or 0. */
  keepAliveHintMs: number;
}

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
  }
}

interface ParsedHead {
  head: ResponseHead;
  /** -1 when absent. */
  contentLength: number;
  transferEncoding: string | null;
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

function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

/** Parses the status line and header fields; returns a reason string when the head is malformed. */
export function parseHead(text: string): ParsedHead | string {
  let eol = text.indexOf('\r\n');
  // "HTTP/1.1 200" is the shortest valid status line.
  if (eol < 12 || !text.startsWith('HTTP/1.')) return 'invalid status line';
  const minor = text.charCodeAt(7) - 48;
  if ((minor !== 0 && minor !== 1) || text.charCodeAt(8) !== 32) return 'invalid status line';
  const statusCode = threeDigits(text, 9);
  if (statusCode < 100 || (eol > 12 && text.charCodeAt(12) !== 32)) return 'invalid status code';
  const statusMessage = eol > 13 ? text.slice(13, eol) : '';

  const headers: string[] = [];
  let connectionTokens: string[] | null = null;
  let sawClose = false;
  let sawKeepAlive = false;
  let keepAliveHintMs = 0;
  let contentLength = -1;
  let transferEncoding: string | null = null;
  let pos = eol + 2;
  while (pos < text.length) {
    eol = text.indexOf('\r\n', pos);
    const first = text.charCodeAt(pos);
    if (isOws(first)) return 'obsolete line folding';
    const colon = text.indexOf(':', pos);
    if (colon <= pos || colon > eol || isOws(text.charCodeAt(colon - 1))) return 'invalid header line';
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && isOws(text.charCodeAt(vs))) vs++;
    while (ve > vs && isOws(text.charCodeAt(ve - 1))) ve--;
    const name = text.slice(pos, colon);
    const value = text.slice(vs, ve);
    headers.push(name, value);
    pos = eol + 2;
    // Only the fields that decide framing and reuse are interpreted here.
    const n = name.length;
    if (n !== 10 && n !== 14 && n !== 17) continue;
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      const cl = parseContentLength(value);
      if (cl < 0 || (contentLength >= 0 && cl !== contentLength)) return 'invalid content-length';
      contentLength = cl;
    } else if (lower === 'transfer-encoding') {
      transferEncoding = transferEncoding === null ? value : `${transferEncoding}, ${value}`;
    } else if (lower === 'connection') {
      for (const raw of value.split(',')) {
        const token = raw.trim().toLowerCase();
        if (token === 'close') sawClose = true;
        else if (token === 'keep-alive') sawKeepAlive = true;
        else if (token !== 'upgrade' && token !== '') (connectionTokens ??= []).push(token);
      }
    } else if (lower === 'keep-alive') {
      const at = value.indexOf('timeout=');
      if (at !== -1) keepAliveHintMs = (Number.parseInt(value.slice(at + 8), 10) || 0) * 1000;
    }
  }
  // HTTP/1.1 persists unless told to close; HTTP/1.0 only when asked to keep alive.
  const keepAlive = !sawClose && (minor === 1 || sawKeepAlive);
  return {
    head: { statusCode, statusMessage, versionMinor: minor, headers, connectionTokens, keepAlive, keepAliveHintMs },
    contentLength,
    transferEncoding,
  };
}

function threeDigits(text: string, at: number): number {
  let v = 0;
  for (let i = at; i < at + 3; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** A Content-Length value, also a list of equal values ("5, 5"); -1 when invalid. */
function parseContentLength(value: string): number {
  let result = -1;
  for (const part of value.includes(',') ? value.split(',') : [value]) {
    const s = part.trim();
    if (s.length === 0 || s.length > 15) return -1;
    let v = 0;
    for (let i = 0; i < s.length; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    if (result >= 0 && v !== result) return -1;
    result = v;
  }
  return result;
}

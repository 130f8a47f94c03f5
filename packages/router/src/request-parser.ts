/**
 * Strict parser of HTTP/1.x request heads. The router reads clients on raw sockets (node:http's server
 * costs as much CPU per request as all of nginx), so it parses heads itself, refusing whatever could
 * let a client and a dyno disagree on where a request ends: Content-Length with Transfer-Encoding,
 * repeated or malformed Content-Length, codings other than chunked, bare LF, obs-fold, whitespace
 * before a colon, control characters.
 */
import { MAX_HEADER_LINE_BYTES } from './headers.js';

/** A parsed request head. Header values are trimmed; names keep the client's spelling and order. */
export interface RequestHead {
  method: string;
  /** The request target as sent (origin form, absolute form or `*`). */
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  versionMinor: number;
  /** Header fields, flat: name, value, name, value... */
  rawHeaders: string[];
  /** -1 when absent. */
  contentLength: number;
  /** `Transfer-Encoding: chunked`. */
  chunked: boolean;
  /** The client asked to close after this request (or did not ask to keep an HTTP/1.0 connection). */
  close: boolean;
  /** The value of `Upgrade` when `Connection` lists `upgrade`; undefined otherwise. */
  upgrade: string | undefined;
}

/** Why a head was refused, as the page the router answers with. */
export type HeadRefusal = 'bad_request' | 'uri_too_long' | 'header_too_large';

/** Heroku's limit on the number of header fields. */
export const MAX_HEADER_FIELDS = 1000;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Control characters a field value must not contain (HTAB is allowed). */
const VALUE_CTL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** What a request target must not contain. */
const TARGET_BAD = /[\x00-\x20\x7f]/;

const CR = 13;
const LF = 10;

/**
 * Parses a head given as latin1 text from the request line to the CRLF that ends its last field line
 * (the empty line excluded). Returns the refusal when the head is malformed or over a limit.
 */
export function parseRequestHead(text: string): RequestHead | HeadRefusal {
  let eol = text.indexOf('\r\n');
  if (eol === -1) return 'bad_request';
  if (eol > MAX_HEADER_LINE_BYTES) return 'uri_too_long';
  const sp1 = text.indexOf(' ');
  const sp2 = sp1 === -1 ? -1 : text.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || sp2 > eol || eol - sp2 !== 9) return 'bad_request';
  const method = text.slice(0, sp1);
  const target = text.slice(sp1 + 1, sp2);
  if (!TOKEN.test(method) || target.length === 0 || TARGET_BAD.test(target)) return 'bad_request';
  if (!text.startsWith('HTTP/1.', sp2 + 1)) return 'bad_request';
  const minor = text.charCodeAt(sp2 + 8) - 48;
  if (minor !== 0 && minor !== 1) return 'bad_request';

  const rawHeaders: string[] = [];
  let contentLength = -1;
  let transferEncoding: string | undefined;
  let sawClose = false;
  let sawKeepAlive = false;
  let connectionUpgrade = false;
  let upgrade: string | undefined;
  let pos = eol + 2;
  while (pos < text.length) {
    eol = text.indexOf('\r\n', pos);
    if (eol - pos > MAX_HEADER_LINE_BYTES) return 'header_too_large';
    if (rawHeaders.length >= MAX_HEADER_FIELDS * 2) return 'header_too_large';
    const first = text.charCodeAt(pos);
    // obs-fold (a line starting with whitespace) is refused, as RFC 9112 allows.
    if (first === 32 || first === 9) return 'bad_request';
    const colon = text.indexOf(':', pos);
    if (colon <= pos || colon > eol) return 'bad_request';
    const name = text.slice(pos, colon);
    if (!TOKEN.test(name)) return 'bad_request';
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && isOws(text.charCodeAt(vs))) vs++;
    while (ve > vs && isOws(text.charCodeAt(ve - 1))) ve--;
    const value = text.slice(vs, ve);
    if (VALUE_CTL.test(value)) return 'bad_request';
    rawHeaders.push(name, value);
    pos = eol + 2;
    // Only the fields that decide framing and persistence are interpreted here.
    const n = name.length;
    if (n !== 7 && n !== 10 && n !== 14 && n !== 17) continue;
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      if (contentLength !== -1) return 'bad_request';
      contentLength = parseLength(value);
      if (contentLength < 0) return 'bad_request';
    } else if (lower === 'transfer-encoding') {
      if (transferEncoding !== undefined) return 'bad_request';
      transferEncoding = value;
    } else if (lower === 'connection') {
      const tokens = value.toLowerCase();
      if (tokens === 'keep-alive') sawKeepAlive = true;
      else if (tokens === 'close') sawClose = true;
      else {
        for (const part of tokens.split(',')) {
          const token = part.trim();
          if (token === 'close') sawClose = true;
          else if (token === 'keep-alive') sawKeepAlive = true;
          else if (token === 'upgrade') connectionUpgrade = true;
        }
      }
    } else if (lower === 'upgrade') {
      upgrade = value;
    }
  }
  let chunked = false;
  if (transferEncoding !== undefined) {
    // Only `chunked` alone is accepted: any other coding leaves the body's end to guesswork.
    if (minor === 0 || contentLength !== -1 || transferEncoding.toLowerCase() !== 'chunked') return 'bad_request';
    chunked = true;
  }
  // HTTP/1.1 persists unless told to close; HTTP/1.0 only when asked to keep alive.
  const close = sawClose || (minor === 0 && !sawKeepAlive);
  return { method, target, versionMinor: minor, rawHeaders, contentLength, chunked, close, upgrade: connectionUpgrade ? upgrade : undefined };
}

/**
 * Checks the bytes of a head that is not complete yet, so a malformed one is refused at once rather
 * than when the head timeout strikes: a bare LF, or a request line or head over its limit.
 */
export function checkPartialHead(buf: Buffer, from: number, maxHeaderBytes: number): HeadRefusal | undefined {
  for (let i = buf.indexOf(LF, from); i !== -1; i = buf.indexOf(LF, i + 1)) {
    if (i === 0 || buf[i - 1] !== CR) return 'bad_request';
  }
  const firstLine = buf.indexOf('\r\n', 0, 'latin1');
  if (firstLine === -1 ? buf.length > MAX_HEADER_LINE_BYTES + 2 : firstLine > MAX_HEADER_LINE_BYTES) return 'uri_too_long';
  if (buf.length > maxHeaderBytes) return 'header_too_large';
  return undefined;
}

function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

/** A Content-Length value: digits only (no lists, no sign), or -1. */
function parseLength(value: string): number {
  if (value.length === 0 || value.length > 15) return -1;
  let v = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

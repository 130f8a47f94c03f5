/**
 * The head of a dyno's response: status line and fields, checked strictly since the router passes it on
 * to the client as text (a malformed head is H17).
 */

import { isFieldName } from './headers.js';

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
  /** The body's length when Content-Length frames it; -1 when it is chunked or ends with the connection. */
  contentLength: number;
}

export interface ParsedHead {
  head: ResponseHead;
  /** -1 when absent. */
  contentLength: number;
  transferEncoding: string | null;
}

function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Control characters a field value or reason phrase must not contain (HTAB is allowed). */
const VALUE_CTL = /[\x00-\x08\x0a-\x1f\x7f]/;

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
  // The head is passed on to the client as text: nothing may break its lines.
  if (VALUE_CTL.test(statusMessage)) return 'invalid status line';

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
    if (!TOKEN.test(name) || VALUE_CTL.test(value)) return 'invalid header line';
    headers.push(name, value);
    pos = eol + 2;
    // Only the fields that decide framing and reuse are interpreted here.
    const n = name.length;
    if (n !== 10 && n !== 14 && n !== 17) continue;
    if (n === 14 && isFieldName(name, 'content-length')) {
      const cl = parseContentLength(value);
      if (cl < 0 || (contentLength >= 0 && cl !== contentLength)) return 'invalid content-length';
      contentLength = cl;
    } else if (n === 17 && isFieldName(name, 'transfer-encoding')) {
      transferEncoding = transferEncoding === null ? value : `${transferEncoding}, ${value}`;
    } else if (n === 10 && isFieldName(name, 'connection')) {
      for (const raw of value.split(',')) {
        const token = raw.trim().toLowerCase();
        if (token === 'close') sawClose = true;
        else if (token === 'keep-alive') sawKeepAlive = true;
        else if (token !== 'upgrade' && token !== '') (connectionTokens ??= []).push(token);
      }
    } else if (n === 10 && isFieldName(name, 'keep-alive')) {
      const at = value.indexOf('timeout=');
      if (at !== -1) keepAliveHintMs = (Number.parseInt(value.slice(at + 8), 10) || 0) * 1000;
    }
  }
  // HTTP/1.1 persists unless told to close; HTTP/1.0 only when asked to keep alive.
  const keepAlive = !sawClose && (minor === 1 || sawKeepAlive);
  return {
    head: { statusCode, statusMessage, versionMinor: minor, headers, connectionTokens, keepAlive, keepAliveHintMs, contentLength },
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

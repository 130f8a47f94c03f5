import { ROUTER_ERRORS, type RouterErrorCode } from './error-codes.js';

/** The facts of one request that its router log line reports. */
export interface AccessRecord {
  readonly method: string;
  readonly path: string;
  readonly hostHeader: string | undefined;
  readonly requestId: string;
  readonly forwardedFor: string;
  /** The dyno that served it, if one was reached. */
  readonly dyno: string | undefined;
  /** Time to connect to the dyno (0 on a pooled connection); -1 when no dyno was tried. */
  readonly connectMs: number;
  /** Time the dyno took; -1 when no dyno was tried. */
  readonly serviceMs: number;
  readonly status: number;
  /** Response body bytes sent to the client. */
  readonly bytes: number;
  readonly protocol: 'http' | 'https';
  /** Set for errors: the line starts `at=error code=...`. */
  readonly code: RouterErrorCode | undefined;
}

/**
 * Heroku's router line: `at=info method=GET path="/" host=... request_id=... fwd="..." dyno=web.1
 * connect=1ms service=5ms status=200 bytes=13 protocol=http`, with `at=error code=H12 desc="..."` first
 * for errors, and empty `dyno= connect= service=` when no dyno was involved.
 */
export function formatAccessLine(r: AccessRecord): string {
  const prefix = r.code === undefined ? 'at=info' : `at=error code=${r.code} desc="${ROUTER_ERRORS[r.code].desc}"`;
  const timing = r.connectMs < 0 ? 'connect= service=' : `connect=${r.connectMs}ms service=${r.serviceMs}ms`;
  return (
    prefix +
    ' method=' + r.method +
    ' path="' + quoted(r.path) +
    '" host=' + bare(r.hostHeader ?? '') +
    ' request_id=' + r.requestId +
    ' fwd="' + quoted(r.forwardedFor) +
    '" dyno=' + (r.dyno ?? '') +
    ' ' + timing +
    ' status=' + r.status +
    ' bytes=' + r.bytes +
    ' protocol=' + r.protocol
  );
}

const QUOTED_SPECIAL = /["\\\x00-\x1f\x7f]/;
const BARE_SPECIAL = /["\\\s\x00-\x1f\x7f]/;

/** A value inside quotes: quotes and backslashes escaped, control characters percent-encoded. */
function quoted(value: string): string {
  return QUOTED_SPECIAL.test(value) ? value.replace(new RegExp(QUOTED_SPECIAL.source, 'g'), encode) : value;
}

/** A value without quotes (host): whitespace encoded too, so the line keeps its fields apart. */
function bare(value: string): string {
  return BARE_SPECIAL.test(value) ? value.replace(new RegExp(BARE_SPECIAL.source, 'g'), encode) : value;
}

function encode(c: string): string {
  return c === '"' || c === '\\' ? `\\${c}` : `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`;
}

/**
 * An access-log sink that also takes the record itself, so that it can encode the line straight into
 * its own buffer (`writeAccessLineJson`) rather than receive it as a string. The router calls `record`
 * when the sink has it, the sink as a function otherwise.
 */
export interface RecordingAccessLogSink {
  (app: string, line: string): void;
  /** Called synchronously with the request's record, which is not valid after the call. */
  readonly record: (app: string, record: AccessRecord) => void;
}

/** Most bytes `writeAccessLineJson` writes for `r`. */
export function accessLineBound(r: AccessRecord): number {
  const text = r.method.length + r.path.length + (r.hostHeader?.length ?? 0) + r.requestId.length + r.forwardedFor.length + (r.dyno?.length ?? 0) + r.protocol.length;
  // Six bytes a character at most (`\u001f`, a quote inside quotes is `\\\"`); the rest is short.
  return 6 * text + 256;
}

/**
 * The router line of `r` as the content of a JSON string, UTF-8 encoded: exactly the bytes between the
 * quotes of `JSON.stringify(formatAccessLine(r))`, written into `out` from `at` without building the
 * line. `out` needs `accessLineBound(r)` bytes of room. Returns the offset after the last byte.
 */
export function writeAccessLineJson(r: AccessRecord, out: Uint8Array, at: number): number {
  if (r.code === undefined) {
    at = writeAscii(out, at, 'at=info');
  } else {
    at = writeAscii(out, at, 'at=error code=');
    at = writeJsonText(out, at, r.code);
    at = writeAscii(out, at, ' desc=\\"');
    at = writeJsonText(out, at, ROUTER_ERRORS[r.code].desc);
    at = writeAscii(out, at, '\\"');
  }
  at = writeAscii(out, at, ' method=');
  at = writeJsonText(out, at, r.method);
  at = writeAscii(out, at, ' path=\\"');
  at = writeLineValue(out, at, r.path, false);
  at = writeAscii(out, at, '\\" host=');
  at = writeLineValue(out, at, r.hostHeader ?? '', true);
  at = writeAscii(out, at, ' request_id=');
  at = writeJsonText(out, at, r.requestId);
  at = writeAscii(out, at, ' fwd=\\"');
  at = writeLineValue(out, at, r.forwardedFor, false);
  at = writeAscii(out, at, '\\" dyno=');
  if (r.dyno !== undefined) at = writeJsonText(out, at, r.dyno);
  if (r.connectMs < 0) {
    at = writeAscii(out, at, ' connect= service=');
  } else {
    at = writeAscii(out, at, ' connect=');
    at = writeNumber(out, at, r.connectMs);
    at = writeAscii(out, at, 'ms service=');
    at = writeNumber(out, at, r.serviceMs);
    at = writeAscii(out, at, 'ms');
  }
  at = writeAscii(out, at, ' status=');
  at = writeNumber(out, at, r.status);
  at = writeAscii(out, at, ' bytes=');
  at = writeNumber(out, at, r.bytes);
  at = writeAscii(out, at, ' protocol=');
  return writeJsonText(out, at, r.protocol);
}

/** Text known to need no escaping (ASCII, no quote, backslash or control character), byte for byte. */
export function writeAscii(out: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i);
  return at;
}

/** A number as `String(n)` writes it; non-negative integers without a string. */
export function writeNumber(out: Uint8Array, at: number, n: number): number {
  if (!(n >= 0 && n <= 0xffffffff && n === Math.floor(n))) return writeAscii(out, at, String(n));
  if (n < 10) {
    out[at] = 48 + n;
    return at + 1;
  }
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  let v = n;
  for (let i = at + digits - 1; i >= at; i--) {
    out[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + digits;
}

const HEX = '0123456789abcdef';
const HEX_UPPER = '0123456789ABCDEF';

/** `s` as the content of a JSON string (as `JSON.stringify` escapes it), UTF-8 encoded; six bytes a character at most. */
export function writeJsonText(out: Uint8Array, at: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) {
      out[at++] = c;
    } else {
      at = writeJsonChar(out, at, s, i, c);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && isLowSurrogate(s.charCodeAt(i + 1))) i++;
    }
  }
  return at;
}

/**
 * A value of the line as `quoted` (or, with `bare`, `bare`) escapes it, then as the content of a JSON
 * string: the line's own escapes (`\"`, `\\`, `%XX`) and JSON's in one pass.
 */
function writeLineValue(out: Uint8Array, at: number, s: string, bare: boolean): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) {
      out[at++] = c;
    } else if (c === 0x22 || c === 0x5c) {
      // `\"` or `\\` in the line; each of its two characters escaped again in JSON.
      out[at++] = 0x5c;
      out[at++] = 0x5c;
      out[at++] = 0x5c;
      out[at++] = c;
    } else if (c < 0x20 || c === 0x7f || (bare && isSpace(c))) {
      at = writePercent(out, at, c);
    } else {
      at = writeJsonChar(out, at, s, i, c);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && isLowSurrogate(s.charCodeAt(i + 1))) i++;
    }
  }
  return at;
}

/** `%XX` (or more digits) in upper case, as `encode` writes a character. */
function writePercent(out: Uint8Array, at: number, c: number): number {
  out[at++] = 37;
  if (c > 0xff) {
    const hex = c.toString(16).toUpperCase();
    return writeAscii(out, at, hex);
  }
  out[at++] = HEX_UPPER.charCodeAt(c >> 4);
  out[at++] = HEX_UPPER.charCodeAt(c & 15);
  return at;
}

/** One character that is not plain ASCII, JSON-escaped and UTF-8 encoded (a surrogate pair as one). */
function writeJsonChar(out: Uint8Array, at: number, s: string, i: number, c: number): number {
  if (c < 0x80) {
    if (c === 0x22 || c === 0x5c) {
      out[at++] = 0x5c;
      out[at++] = c;
      return at;
    }
    if (c >= 0x20) {
      out[at++] = c;
      return at;
    }
    const short = c === 8 ? 98 : c === 9 ? 116 : c === 10 ? 110 : c === 12 ? 102 : c === 13 ? 114 : 0;
    out[at++] = 0x5c;
    if (short !== 0) {
      out[at++] = short;
      return at;
    }
    return writeUnicodeEscape(out, at, c);
  }
  if (c < 0x800) {
    out[at++] = 0xc0 | (c >> 6);
    out[at++] = 0x80 | (c & 63);
    return at;
  }
  if (c >= 0xd800 && c <= 0xdfff) {
    const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (c <= 0xdbff && isLowSurrogate(next)) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      out[at++] = 0xf0 | (cp >> 18);
      out[at++] = 0x80 | ((cp >> 12) & 63);
      out[at++] = 0x80 | ((cp >> 6) & 63);
      out[at++] = 0x80 | (cp & 63);
      return at;
    }
    // A lone surrogate: JSON.stringify escapes it.
    out[at++] = 0x5c;
    return writeUnicodeEscape(out, at, c);
  }
  out[at++] = 0xe0 | (c >> 12);
  out[at++] = 0x80 | ((c >> 6) & 63);
  out[at++] = 0x80 | (c & 63);
  return at;
}

/** `uXXXX` (after the backslash), lower-case hex as JSON.stringify writes it. */
function writeUnicodeEscape(out: Uint8Array, at: number, c: number): number {
  out[at++] = 117;
  out[at++] = HEX.charCodeAt((c >> 12) & 15);
  out[at++] = HEX.charCodeAt((c >> 8) & 15);
  out[at++] = HEX.charCodeAt((c >> 4) & 15);
  out[at++] = HEX.charCodeAt(c & 15);
  return at;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** What `\s` matches in a JavaScript regular expression, besides the control characters and space. */
function isSpace(c: number): boolean {
  return (
    c === 0x20 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

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

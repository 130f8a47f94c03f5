/**
 * The dyno's response head as the client receives it, written as one string: hop-by-hop fields dropped
 * (with those `Connection` lists), `Via` appended, the request id added unless the dyno set one, `Date`
 * added when missing, then the router's own framing and persistence of the client connection.
 */
import { STATUS_CODES } from 'node:http';
import { headerKind, H_CONNECTION, H_CONTENT_LENGTH, H_DATE, H_HOP, H_REQUEST_ID, H_TRANSFER_ENCODING, H_UPGRADE, H_VIA, VIA } from './headers.js';
import type { ResponseHead } from './response-head.js';

/** How a response body is framed towards the client. */
export type Framing = typeof FRAME_NONE | typeof FRAME_LENGTH | typeof FRAME_CHUNKED | typeof FRAME_CLOSE | typeof FRAME_UPGRADE;
/** No body (HEAD, 204, 304): the dyno's Content-Length, if any, is passed as sent. */
export const FRAME_NONE = 0;
/** The dyno's Content-Length. */
export const FRAME_LENGTH = 1;
/** Chunked by the router (the dyno sent chunks, or a body ending with its connection). */
export const FRAME_CHUNKED = 2;
/** The body ends when the router closes the connection (HTTP/1.0 clients, length unknown). */
export const FRAME_CLOSE = 3;
/** A 101 response: `Upgrade` is kept. */
export const FRAME_UPGRADE = 4;

/** `Connection` lines for the client, chosen per response. */
export const CONNECTION_CLOSE = 'Connection: close\r\n';
export const CONNECTION_UPGRADE = 'Connection: Upgrade\r\n';
/** Tells clients how long an idle connection is kept, so they do not reuse one the router is closing. */
export function keepAliveLine(keepAliveTimeoutMs: number): string {
  return `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.max(1, Math.floor(keepAliveTimeoutMs / 1000))}\r\n`;
}

export function formatResponseHead(head: ResponseHead, requestId: string, framing: Framing, connection: string, now: number): string {
  const status = head.statusCode;
  let out = 'HTTP/1.1 ' + status + ' ' + (head.statusMessage || STATUS_CODES[status] || 'Unknown') + '\r\n';
  const raw = head.headers;
  const drop = head.connectionTokens;
  let via: string | undefined;
  let hasId = false;
  let hasDate = false;
  let sawLength = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const kind = headerKind(name);
    if (drop !== null && drop.includes(name.toLowerCase())) continue;
    switch (kind) {
      case H_CONNECTION:
      case H_HOP:
      case H_TRANSFER_ENCODING:
        break;
      case H_UPGRADE:
        if (framing === FRAME_UPGRADE) out += name + ': ' + value + '\r\n';
        break;
      case H_VIA:
        via = via === undefined ? value : via + ', ' + value;
        break;
      case H_CONTENT_LENGTH:
        // The parser checked that repeated values agree; one is enough. A chunked or close-delimited
        // body gets no length (with Transfer-Encoding the dyno's Content-Length did not count).
        if (!sawLength && (framing === FRAME_LENGTH || framing === FRAME_NONE)) out += name + ': ' + value + '\r\n';
        sawLength = true;
        break;
      case H_REQUEST_ID:
        hasId = true;
        out += name + ': ' + value + '\r\n';
        break;
      case H_DATE:
        hasDate = true;
        out += name + ': ' + value + '\r\n';
        break;
      default:
        out += name + ': ' + value + '\r\n';
    }
  }
  out += 'Via: ' + (via === undefined ? VIA : via + ', ' + VIA) + '\r\n';
  if (!hasId) out += 'X-Request-Id: ' + requestId + '\r\n';
  if (!hasDate) out += 'Date: ' + httpDate(now) + '\r\n';
  if (framing === FRAME_CHUNKED) out += 'Transfer-Encoding: chunked\r\n';
  return out + connection + '\r\n';
}

let dateSecond = -1;
let dateText = '';

/** The IMF-fixdate of a time, computed once per second. */
export function httpDate(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

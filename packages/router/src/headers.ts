/**
 * Header rewriting towards the dyno: the request head is built as one string in a single pass over the
 * client's header fields (names keep the client's spelling and order). `client-response.ts` does the
 * other direction.
 */
import { randomUUID } from 'node:crypto';
import type { RouterPage } from './error-pages.js';
import { normalizeHostHeader } from './host-match.js';
import type { RequestHead } from './request-parser.js';

/** Heroku's limit for one header line (and for the request line). */
export const MAX_HEADER_LINE_BYTES = 8192;
/** An incoming X-Request-Id is kept when it looks like this; otherwise the router makes one. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9+=/_-]{20,200}$/;
/** What the router appends to `Via`, both ways. */
export const VIA = '1.1 paas';

// Header kinds, decided by name.
export const H_OTHER = 0;
export const H_HOST = 1;
export const H_CONNECTION = 2;
/** Hop-by-hop and dropped (Keep-Alive, Proxy-Connection, TE, Trailer, Proxy-Authenticate/-Authorization). */
export const H_HOP = 3;
export const H_UPGRADE = 4;
export const H_TRANSFER_ENCODING = 5;
export const H_CONTENT_LENGTH = 6;
export const H_FORWARDED_FOR = 7;
/** X-Forwarded-Proto, X-Forwarded-Port, X-Request-Start: set by the router, never taken from clients. */
export const H_ROUTER_SET = 8;
export const H_REQUEST_ID = 9;
export const H_VIA = 10;
export const H_EXPECT = 11;
export const H_DATE = 12;

/** The kind of a header name, case-insensitively; a switch on length keeps most names to one compare. */
export function headerKind(name: string): number {
  switch (name.length) {
    case 2:
      return isFieldName(name, 'te') ? H_HOP : H_OTHER;
    case 3:
      return isFieldName(name, 'via') ? H_VIA : H_OTHER;
    case 4:
      return isFieldName(name, 'host') ? H_HOST : isFieldName(name, 'date') ? H_DATE : H_OTHER;
    case 6:
      return isFieldName(name, 'expect') ? H_EXPECT : H_OTHER;
    case 7:
      return isFieldName(name, 'upgrade') ? H_UPGRADE : isFieldName(name, 'trailer') ? H_HOP : H_OTHER;
    case 10:
      return isFieldName(name, 'connection') ? H_CONNECTION : isFieldName(name, 'keep-alive') ? H_HOP : H_OTHER;
    case 12:
      return isFieldName(name, 'x-request-id') ? H_REQUEST_ID : H_OTHER;
    case 14:
      return isFieldName(name, 'content-length') ? H_CONTENT_LENGTH : H_OTHER;
    case 15:
      return isFieldName(name, 'x-forwarded-for') ? H_FORWARDED_FOR : isFieldName(name, 'x-request-start') ? H_ROUTER_SET : H_OTHER;
    case 16:
      return isFieldName(name, 'proxy-connection') ? H_HOP : isFieldName(name, 'x-forwarded-port') ? H_ROUTER_SET : H_OTHER;
    case 17:
      return isFieldName(name, 'transfer-encoding') ? H_TRANSFER_ENCODING : isFieldName(name, 'x-forwarded-proto') ? H_ROUTER_SET : H_OTHER;
    case 18:
      return isFieldName(name, 'proxy-authenticate') ? H_HOP : H_OTHER;
    case 19:
      return isFieldName(name, 'proxy-authorization') ? H_HOP : H_OTHER;
    default:
      return H_OTHER;
  }
}

/**
 * Whether a header name (a token) of the same length as `lower` (lower-case letters and `-`) is it, in any case,
 * without making a lower-case copy. Setting bit 0x20 turns upper-case letters into lower case and maps
 * no other character of a field name (a token) onto a letter or `-`.
 */
export function isFieldName(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((name.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** The client connection as the router forwards it. */
export interface ClientInfo {
  /** Client address for X-Forwarded-For (IPv4-mapped IPv6 addresses shown as IPv4). */
  address: string;
  /** Port the client connected to, for X-Forwarded-Port. */
  port: string;
  proto: 'http' | 'https';
}

/** What building the upstream head learnt about the request. */
export interface RequestFacts {
  /** The Host header value as sent (undefined when absent). */
  hostHeader: string | undefined;
  requestId: string;
  /** X-Forwarded-For as sent to the dyno. */
  forwardedFor: string;
  hasBody: boolean;
  /** The body arrives chunked (and is sent on chunked). */
  chunked: boolean;
  expectContinue: boolean;
  /** The request head for the dyno. */
  upstreamHead: string;
}

const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)(.*)$/i;

/**
 * Checks a parsed request against what the router serves and builds its head for the dyno into
 * `facts`; returns the page to refuse it with otherwise.
 */
export function prepareRequest(head: RequestHead, client: ClientInfo, startMs: number, websocket: boolean, facts: RequestFacts): RouterPage | undefined {
  if (head.method === 'CONNECT') return 'method_not_allowed';
  let target = head.target;
  let authority: string | undefined;
  if (target.charCodeAt(0) !== 47 /* / */ && target !== '*') {
    const m = ABSOLUTE_FORM.exec(target);
    if (m === null) return 'bad_request';
    authority = m[1]!;
    target = m[2] || '/';
  }
  const refusal = buildUpstreamHead(head.method, target, head.rawHeaders, client, startMs, websocket, facts);
  if (refusal !== undefined) return refusal;
  // The parser's framing is authoritative (it read "Content-Length: 00" as no body).
  facts.hasBody = head.contentLength > 0 || head.chunked;
  if (head.versionMinor === 1 && facts.hostHeader === undefined) return 'bad_request';
  // An absolute-form target must name the same host the request is routed by.
  if (authority !== undefined && normalizeHostHeader(authority) !== normalizeHostHeader(facts.hostHeader ?? '')) return 'bad_request';
  // Bytes after an upgrade request belong to the new protocol, so it cannot have a body.
  if (websocket && facts.hasBody) return 'bad_request';
  return undefined;
}

/**
 * Builds the request head for the dyno into `facts.upstreamHead`, or returns the page to refuse the
 * request with. `websocket` keeps the upgrade (as `Connection: Upgrade` + `Upgrade: websocket`); every
 * other hop-by-hop field is dropped.
 */
export function buildUpstreamHead(
  method: string,
  target: string,
  raw: string[],
  client: ClientInfo,
  startMs: number,
  websocket: boolean,
  facts: RequestFacts,
): RouterPage | undefined {
  let head = buildHead(method, target, raw, client, startMs, websocket, facts, null);
  // Rare: Connection named other fields; they are hop-by-hop too, so build again without them.
  if (typeof head !== 'string' && 'drop' in head) head = buildHead(method, target, raw, client, startMs, websocket, facts, head.drop);
  if (typeof head !== 'string') return 'page' in head ? head.page : 'bad_request';
  facts.upstreamHead = head;
  return undefined;
}

type Outcome = string | { page: RouterPage } | { drop: string[] };

function buildHead(
  method: string,
  target: string,
  raw: string[],
  client: ClientInfo,
  startMs: number,
  websocket: boolean,
  facts: RequestFacts,
  drop: string[] | null,
): Outcome {
  if (target.length > MAX_HEADER_LINE_BYTES) return { page: 'uri_too_long' };
  let head = method + ' ' + target + ' HTTP/1.1\r\n';
  let hosts = 0;
  let forwardedFor: string | undefined;
  let via: string | undefined;
  let incomingId: string | undefined;
  let listed: string[] | null = null;
  let sawLength = false;
  facts.hasBody = false;
  facts.chunked = false;
  facts.expectContinue = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (name.length + value.length + 2 > MAX_HEADER_LINE_BYTES) return { page: 'header_too_large' };
    const kind = headerKind(name);
    if (drop !== null && kind !== H_HOST && drop.includes(name.toLowerCase())) continue;
    switch (kind) {
      case H_OTHER:
      case H_DATE:
        head += name + ': ' + value + '\r\n';
        break;
      case H_HOST:
        hosts++;
        facts.hostHeader = value;
        head += name + ': ' + value + '\r\n';
        break;
      case H_CONNECTION:
        listed = connectionTokens(value, listed);
        break;
      case H_TRANSFER_ENCODING:
        // node:http only lets a request through when it is chunked (and has no Content-Length); the
        // body is re-framed on the way out.
        facts.hasBody = true;
        facts.chunked = true;
        break;
      case H_CONTENT_LENGTH:
        if (!sawLength) {
          sawLength = true;
          facts.hasBody = value !== '0';
          head += name + ': ' + value + '\r\n';
        }
        break;
      case H_FORWARDED_FOR:
        forwardedFor = forwardedFor === undefined ? value : forwardedFor + ', ' + value;
        break;
      case H_REQUEST_ID:
        incomingId ??= value;
        break;
      case H_VIA:
        via = via === undefined ? value : via + ', ' + value;
        break;
      case H_EXPECT:
        facts.expectContinue = value.toLowerCase() === '100-continue';
        head += name + ': ' + value + '\r\n';
        break;
      default:
        // H_HOP, H_UPGRADE, H_ROUTER_SET: dropped.
        break;
    }
  }
  if (hosts > 1) return { page: 'bad_request' };
  if (drop === null && listed !== null) return { drop: listed };
  const id = incomingId !== undefined && REQUEST_ID_PATTERN.test(incomingId) ? incomingId : randomUUID();
  facts.requestId = id;
  facts.forwardedFor = forwardedFor === undefined ? client.address : forwardedFor + ', ' + client.address;
  head +=
    'X-Forwarded-For: ' + facts.forwardedFor +
    '\r\nX-Forwarded-Proto: ' + client.proto +
    '\r\nX-Forwarded-Port: ' + client.port +
    '\r\nX-Request-Id: ' + id +
    '\r\nX-Request-Start: ' + startMs +
    '\r\nVia: ' + (via === undefined ? VIA : via + ', ' + VIA) + '\r\n';
  if (facts.chunked) head += 'Transfer-Encoding: chunked\r\n';
  if (websocket) head += 'Connection: Upgrade\r\nUpgrade: websocket\r\n';
  return head + '\r\n';
}

/** Field names a Connection header lists, other than the ones handled anyway. */
function connectionTokens(value: string, into: string[] | null): string[] | null {
  // `keep-alive`, `close` and `upgrade` are the usual values and name nothing else to drop.
  const v = value.toLowerCase();
  if (v === 'keep-alive' || v === 'close' || v === 'upgrade') return into;
  for (const part of v.split(',')) {
    const token = part.trim();
    if (token === '' || token === 'keep-alive' || token === 'close' || token === 'upgrade') continue;
    (into ??= []).push(token);
  }
  return into;
}

import { STATUS_CODES } from 'node:http';
import { CONNECTION_CLOSE, httpDate } from './client-response.js';
import type { RouterErrorCode } from './error-codes.js';
import { VIA } from './headers.js';

/** What the router answers by itself: a Heroku error code, or a request it will not route. */
export type RouterPage =
  | RouterErrorCode
  | 'not_found'
  | 'bad_request'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'uri_too_long'
  | 'header_too_large';

interface Page {
  status: number;
  /** Status line and the fields every answer of this page has. */
  head: string;
  /** The body as latin1 text of its UTF-8 bytes, so head and body go out in one write. */
  body: string;
  /** The client's stream may be out of step after this page: the connection is closed. */
  closes: boolean;
}

function page(status: number, title: string, message: string): Page {
  const html =
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
    `<title>${title}</title><style>body{font-family:system-ui,sans-serif;margin:15vh auto;max-width:32em;` +
    'padding:0 1em;color:#333}h1{font-size:1.4em}small{color:#888}</style></head>\n' +
    `<body><h1>${title}</h1><p>${message}</p><p><small>paas</small></p></body></html>\n`;
  const body = Buffer.from(html, 'utf8');
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\nContent-Type: text/html; charset=utf-8\r\n` +
    `Content-Length: ${body.length}\r\nCache-Control: no-store\r\nVia: ${VIA}\r\n`;
  return { status, head, body: body.toString('latin1'), closes: status === 400 || status === 405 || status === 408 || status === 414 || status === 431 };
}

const APP_ERROR = 'An error occurred in the application and your page could not be served. Please try again in a few moments.';

// Built once: answering an error costs no rendering.
const PAGES: Record<RouterPage, Page> = {
  not_found: page(404, 'No such app', 'There is no app configured at this hostname.'),
  bad_request: page(400, 'Bad request', 'The request was malformed.'),
  method_not_allowed: page(405, 'Method not allowed', 'The router does not serve CONNECT.'),
  request_timeout: page(408, 'Request timeout', 'The request head did not arrive in time.'),
  uri_too_long: page(414, 'Request-URI too long', 'The request line is longer than 8 KB.'),
  header_too_large: page(431, 'Request header fields too large', 'A request header line is longer than 8 KB.'),
  H10: page(503, 'Application error', APP_ERROR),
  H12: page(503, 'Application error', 'The application did not answer in time.'),
  H13: page(503, 'Application error', APP_ERROR),
  H14: page(503, 'No web dynos running', 'This app has no web dynos running.'),
  H15: page(503, 'Application error', APP_ERROR),
  H17: page(503, 'Application error', APP_ERROR),
  H18: page(503, 'Application error', APP_ERROR),
  H19: page(503, 'Application error', APP_ERROR),
  H21: page(503, 'Application error', APP_ERROR),
  H27: page(499, 'Client request interrupted', 'The client closed the request.'),
  H80: page(503, 'Offline for maintenance', 'This app is undergoing maintenance right now. Please check back later.'),
  H81: page(503, 'Blank app', 'Nothing is deployed to this app yet.'),
  H99: page(503, 'Platform error', 'The platform could not serve this request.'),
};

/** Status code of a router page. */
export function pageStatus(kind: RouterPage): number {
  return PAGES[kind].status;
}

/** Whether the connection is closed after this page. */
export function pageCloses(kind: RouterPage): boolean {
  return PAGES[kind].closes;
}

/** Bytes of a page's body. */
export function pageBytes(kind: RouterPage): number {
  return PAGES[kind].body.length;
}

/**
 * One of the router's own answers as text to write in one go: `connection` is the client connection's
 * `Connection` line (pages that close it ignore it), `headOnly` for HEAD requests.
 */
export function formatRouterPage(kind: RouterPage, requestId: string | undefined, connection: string, headOnly: boolean, now: number): string {
  const p = PAGES[kind];
  return (
    p.head +
    (requestId === undefined ? '' : 'X-Request-Id: ' + requestId + '\r\n') +
    'Date: ' + httpDate(now) + '\r\n' +
    (p.closes ? CONNECTION_CLOSE : connection) +
    '\r\n' +
    (headOnly ? '' : p.body)
  );
}

import type { ServerResponse } from 'node:http';
import type { RouterErrorCode } from './error-codes.js';

/** What the router answers by itself: a Heroku error code, or a request it will not route. */
export type RouterPage = RouterErrorCode | 'not_found' | 'bad_request' | 'uri_too_long' | 'header_too_large';

interface Page {
  status: number;
  body: Buffer;
}

function page(status: number, title: string, message: string): Page {
  const html =
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
    `<title>${title}</title><style>body{font-family:system-ui,sans-serif;margin:15vh auto;max-width:32em;` +
    'padding:0 1em;color:#333}h1{font-size:1.4em}small{color:#888}</style></head>\n' +
    `<body><h1>${title}</h1><p>${message}</p><p><small>paas</small></p></body></html>\n`;
  return { status, body: Buffer.from(html, 'utf8') };
}

const APP_ERROR = 'An error occurred in the application and your page could not be served. Please try again in a few moments.';

// Built once: answering an error costs no rendering.
const PAGES: Record<RouterPage, Page> = {
  not_found: page(404, 'No such app', 'There is no app configured at this hostname.'),
  bad_request: page(400, 'Bad request', 'The request was malformed.'),
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

/**
 * Answers with one of the router's own pages. Returns the body bytes sent (0 for HEAD). The connection
 * is closed after a 400-class page, since the client's stream may be out of step.
 */
export function sendRouterPage(res: ServerResponse, kind: RouterPage, requestId: string | undefined): number {
  const { status, body } = PAGES[kind];
  const headers = [
    'Content-Type', 'text/html; charset=utf-8',
    'Content-Length', String(body.length),
    'Cache-Control', 'no-store',
    'Via', '1.1 paas',
  ];
  if (requestId !== undefined) headers.push('X-Request-Id', requestId);
  if (status === 400 || status === 414 || status === 431) {
    headers.push('Connection', 'close');
    res.shouldKeepAlive = false;
  }
  res.writeHead(status, headers);
  res.end(body);
  return res.req?.method === 'HEAD' ? 0 : body.length;
}

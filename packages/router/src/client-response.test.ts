import { describe, expect, it } from 'vitest';
import { CONNECTION_CLOSE, FRAME_CHUNKED, FRAME_LENGTH, FRAME_NONE, FRAME_UPGRADE, formatResponseHead, httpDate, keepAliveLine } from './client-response.js';
import { parseHead } from './response-head.js';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

function head(text: string) {
  const parsed = parseHead(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed.head;
}

describe('formatResponseHead', () => {
  it('drops hop-by-hop fields and what Connection lists, appends Via, the request id and Date', () => {
    const h = head(
      'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: keep-alive, X-Internal\r\nX-Internal: 1\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\nUpgrade: h2c\r\nProxy-Authenticate: Basic\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nVia: 1.1 inner\r\n',
    );
    expect(formatResponseHead(h, 'rid', FRAME_CHUNKED, keepAliveLine(90_000), NOW)).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nVia: 1.1 inner, 1.1 paas\r\n' +
        'X-Request-Id: rid\r\nDate: Fri, 02 Jan 2026 03:04:05 GMT\r\nTransfer-Encoding: chunked\r\n' +
        'Connection: keep-alive\r\nKeep-Alive: timeout=90\r\n\r\n',
    );
  });

  it("keeps the dyno's request id and Date, and its Content-Length only when it frames the body", () => {
    const h = head('HTTP/1.1 404 \r\nX-Request-Id: mine\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nContent-Length: 3\r\n');
    const withLength = formatResponseHead(h, 'rid', FRAME_LENGTH, CONNECTION_CLOSE, NOW);
    expect(withLength).toBe('HTTP/1.1 404 Not Found\r\nX-Request-Id: mine\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nContent-Length: 3\r\nVia: 1.1 paas\r\nConnection: close\r\n\r\n');
    expect(formatResponseHead(h, 'rid', FRAME_NONE, CONNECTION_CLOSE, NOW)).toContain('Content-Length: 3\r\n');
    // With Transfer-Encoding the dyno's Content-Length did not count: the router chunks instead.
    expect(formatResponseHead(h, 'rid', FRAME_CHUNKED, CONNECTION_CLOSE, NOW)).not.toContain('Content-Length');
  });

  it('keeps Upgrade on a 101 only', () => {
    const h = head('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n');
    const text = formatResponseHead(h, 'rid', FRAME_UPGRADE, 'Connection: Upgrade\r\n', NOW);
    expect(text).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: x\r\n/);
    expect(text).toMatch(/\r\nConnection: Upgrade\r\n\r\n$/);
    expect(text.match(/Connection:/g)).toHaveLength(1);
  });

  it('formats dates once a second', () => {
    expect(httpDate(NOW)).toBe('Fri, 02 Jan 2026 03:04:05 GMT');
    expect(httpDate(NOW + 999)).toBe('Fri, 02 Jan 2026 03:04:05 GMT');
    expect(httpDate(NOW + 1000)).toBe('Fri, 02 Jan 2026 03:04:06 GMT');
  });
});

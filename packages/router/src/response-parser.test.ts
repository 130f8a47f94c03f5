import { describe, expect, it } from 'vitest';
import { ResponseParser, type ResponseHead } from './response-parser.js';

function collect(noBody = false) {
  const heads: ResponseHead[] = [];
  const body: Buffer[] = [];
  const parser = new ResponseParser({ onHead: (h) => heads.push(h), onBody: (c) => body.push(Buffer.from(c)) });
  parser.reset(noBody);
  return { parser, heads, body: () => Buffer.concat(body).toString('latin1') };
}

/** Feeds the text in pieces of `size` bytes; returns bytes consumed of the last piece. */
function feed(parser: ResponseParser, text: string, size = text.length): number {
  const buf = Buffer.from(text, 'latin1');
  let used = 0;
  for (let i = 0; i < buf.length; i += size) {
    const piece = buf.subarray(i, i + size);
    used = parser.execute(piece);
    if (parser.complete || parser.failed || parser.upgraded) return i + used;
  }
  return buf.length;
}

describe('ResponseParser', () => {
  const cl = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello';
  const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n';

  it.each([1, 2, 7, 1000])('reads a Content-Length response in pieces of %i bytes', (size) => {
    const { parser, heads, body } = collect();
    expect(feed(parser, cl, size)).toBe(cl.length);
    expect(parser.complete).toBe(true);
    expect(parser.reusable).toBe(true);
    expect(heads[0]).toMatchObject({ statusCode: 200, statusMessage: 'OK', versionMinor: 1, headers: ['Content-Type', 'text/plain', 'Content-Length', '5'] });
    expect(body()).toBe('hello');
  });

  it.each([1, 3, 1000])('reads a chunked response with extensions and trailers in pieces of %i bytes', (size) => {
    const { parser, body } = collect();
    expect(feed(parser, chunked, size)).toBe(chunked.length);
    expect(parser.complete).toBe(true);
    expect(body()).toBe('hello world');
  });

  it('stops at the end of the response', () => {
    const { parser } = collect();
    expect(feed(parser, `${cl}EXTRA`)).toBe(cl.length);
    expect(parser.complete).toBe(true);
  });

  it('reads a body delimited by the close of the connection', () => {
    const { parser, body } = collect();
    feed(parser, 'HTTP/1.1 200 OK\r\n\r\nsome bytes');
    expect(parser.complete).toBe(false);
    expect(parser.finish()).toBe(true);
    expect(parser.complete).toBe(true);
    expect(parser.reusable).toBe(false);
    expect(body()).toBe('some bytes');
  });

  it('knows responses without body: HEAD, 204, 304', () => {
    for (const [text, noBody] of [
      ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', true],
      ['HTTP/1.1 204 No Content\r\n\r\n', false],
      ['HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', false],
    ] as const) {
      const { parser } = collect(noBody);
      feed(parser, text);
      expect(parser.complete).toBe(true);
    }
  });

  it('passes interim responses and then reads the final one', () => {
    const { parser, heads, body } = collect();
    feed(parser, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' + cl);
    expect(heads.map((h) => h.statusCode)).toEqual([100, 103, 200]);
    expect(body()).toBe('hello');
  });

  it('stops after a 101 head, leaving the next bytes to the new protocol', () => {
    const { parser } = collect();
    const head = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
    expect(feed(parser, `${head}\x81\x02hi`)).toBe(head.length);
    expect(parser.upgraded).toBe(true);
  });

  it('decides reuse from version and Connection, and reads the keep-alive hint', () => {
    const cases: [string, boolean][] = [
      ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', true],
      ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', false],
      ['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', false],
      ['HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n', true],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n', false],
    ];
    for (const [text, reusable] of cases) {
      const { parser } = collect();
      feed(parser, text);
      expect([text, parser.complete && parser.reusable]).toEqual([text, reusable]);
    }
    const { parser, heads } = collect();
    feed(parser, 'HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n');
    expect(heads[0]).toMatchObject({ keepAliveHintMs: 5000, connectionTokens: ['x-secret'] });
  });

  it.each([
    ['garbage', 'NOT HTTP\r\n\r\n'],
    ['bad version', 'HTTP/2.0 200 OK\r\n\r\n'],
    ['bad status', 'HTTP/1.1 2x0 OK\r\n\r\n'],
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n'],
    ['no colon', 'HTTP/1.1 200 OK\r\nNoColon\r\n\r\n'],
    ['space before colon', 'HTTP/1.1 200 OK\r\nX : a\r\n\r\n'],
    ['conflicting lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
    ['invalid length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['chunk without CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc'],
  ])('fails on %s', (_name, text) => {
    const { parser } = collect();
    feed(parser, text);
    expect(parser.failed).toBe(true);
    expect(parser.error).toBeTruthy();
  });

  it('accepts repeated equal Content-Length values', () => {
    const { parser, body } = collect();
    feed(parser, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nok');
    expect(parser.complete).toBe(true);
    expect(body()).toBe('ok');
  });

  it('refuses a head larger than the limit', () => {
    const { parser } = collect();
    feed(parser, `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}\r\n\r\n`, 4096);
    expect(parser.failed).toBe(true);
  });

  it('reports an incomplete response at close', () => {
    const { parser } = collect();
    feed(parser, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    expect(parser.finish()).toBe(false);
  });
});

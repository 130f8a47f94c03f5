import { describe, expect, it } from 'vitest';
import { checkPartialHead, MAX_HEADER_FIELDS, parseRequestHead, type RequestHead } from './request-parser.js';

function parse(text: string): RequestHead {
  const head = parseRequestHead(text);
  if (typeof head === 'string') throw new Error(`refused: ${head}`);
  return head;
}

describe('parseRequestHead', () => {
  it('reads the request line, fields in order and the framing', () => {
    const head = parse('POST /a?b=c HTTP/1.1\r\nHost: x.example.com\r\nContent-Length: 12\r\nX-Sp:   padded value \t\r\n');
    expect(head).toEqual({
      method: 'POST',
      target: '/a?b=c',
      versionMinor: 1,
      rawHeaders: ['Host', 'x.example.com', 'Content-Length', '12', 'X-Sp', 'padded value'],
      contentLength: 12,
      chunked: false,
      close: false,
      upgrade: undefined,
    });
    expect(parse('GET / HTTP/1.1\r\n')).toMatchObject({ rawHeaders: [], contentLength: -1 });
  });

  it('decides persistence like HTTP/1.1 and HTTP/1.0 do', () => {
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\n').close).toBe(false);
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n').close).toBe(true);
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, Close\r\n').close).toBe(true);
    expect(parse('GET / HTTP/1.0\r\n').close).toBe(true);
    expect(parse('GET / HTTP/1.0\r\nConnection: keep-alive\r\n').close).toBe(false);
  });

  it('reports an upgrade only when Connection lists it', () => {
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n').upgrade).toBe('websocket');
    expect(parse('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n').upgrade).toBeUndefined();
  });

  it('accepts chunked alone as transfer coding', () => {
    expect(parse('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n')).toMatchObject({ chunked: true, contentLength: -1 });
  });

  it.each([
    ['no version', 'GET /\r\n'],
    ['HTTP/2 in text', 'GET / HTTP/2.0\r\n'],
    ['lower-case protocol', 'GET / http/1.1\r\n'],
    ['two spaces', 'GET  / HTTP/1.1\r\n'],
    ['a space in the target', 'GET /a b HTTP/1.1\r\n'],
    ['a control character in the target', 'GET /a\x01 HTTP/1.1\r\n'],
    ['a method that is not a token', 'G(T / HTTP/1.1\r\n'],
    ['obs-fold', 'GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n'],
    ['whitespace before the colon', 'GET / HTTP/1.1\r\nHost : a\r\n'],
    ['no colon', 'GET / HTTP/1.1\r\nHost a\r\n'],
    ['an empty name', 'GET / HTTP/1.1\r\n: a\r\n'],
    ['a bare LF inside a value', 'GET / HTTP/1.1\r\nX-A: 1\nX-B: 2\r\n'],
    ['a bare CR inside a value', 'GET / HTTP/1.1\r\nX-A: 1\rX-B: 2\r\n'],
    ['a NUL in a value', 'GET / HTTP/1.1\r\nX-A: 1\x002\r\n'],
    ['Content-Length and Transfer-Encoding', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n'],
    ['Transfer-Encoding and Content-Length', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n'],
    ['two Transfer-Encoding fields', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n'],
    ['a coding other than chunked', 'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n'],
    ['chunked not last', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n'],
    ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n'],
    ['two equal Content-Length fields', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n'],
    ['a Content-Length list', 'POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n'],
    ['a signed Content-Length', 'POST / HTTP/1.1\r\nContent-Length: +3\r\n'],
    ['an empty Content-Length', 'POST / HTTP/1.1\r\nContent-Length: \r\n'],
  ])('refuses %s with 400', (_what, text) => {
    expect(parseRequestHead(text)).toBe('bad_request');
  });

  it('limits the request line, each field line and the number of fields', () => {
    expect(parseRequestHead(`GET /${'a'.repeat(8200)} HTTP/1.1\r\n`)).toBe('uri_too_long');
    expect(parseRequestHead(`GET / HTTP/1.1\r\nCookie: ${'c'.repeat(8200)}\r\n`)).toBe('header_too_large');
    expect(parseRequestHead(`GET / HTTP/1.1\r\n${'X-A: 1\r\n'.repeat(MAX_HEADER_FIELDS + 1)}`)).toBe('header_too_large');
    expect(typeof parseRequestHead(`GET / HTTP/1.1\r\n${'X-A: 1\r\n'.repeat(MAX_HEADER_FIELDS)}`)).toBe('object');
  });
});

describe('checkPartialHead', () => {
  const buf = (s: string) => Buffer.from(s, 'latin1');
  it('accepts an unfinished but well-formed head', () => {
    expect(checkPartialHead(buf('GET / HTTP/1.1\r\nHost: a\r\nX-Par'), 0, 1024)).toBeUndefined();
  });
  it('refuses a bare LF at once, also in a later piece', () => {
    expect(checkPartialHead(buf('GET / HTTP/1.1\nHost: a'), 0, 1024)).toBe('bad_request');
    expect(checkPartialHead(buf('GET / HTTP/1.1\r\nHost: a\n'), 16, 1024)).toBe('bad_request');
  });
  it('refuses a request line or head over its limit before it ends', () => {
    expect(checkPartialHead(buf(`GET /${'a'.repeat(8300)}`), 0, 64 * 1024)).toBe('uri_too_long');
    expect(checkPartialHead(buf(`GET / HTTP/1.1\r\nX: ${'a'.repeat(2000)}`), 0, 1024)).toBe('header_too_large');
  });
});

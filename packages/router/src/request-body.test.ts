import { describe, expect, it } from 'vitest';
import { RequestBody } from './request-body.js';

/** Feeds `text` in pieces of `size` bytes; returns the body read and what was left after it. */
function run(body: RequestBody, text: string, size = text.length): { data: string; rest: string } {
  const input = Buffer.from(text, 'latin1');
  const pieces: Buffer[] = [];
  const sink = { bodyData: (p: Buffer) => pieces.push(Buffer.from(p)) };
  let rest = '';
  for (let i = 0; i < input.length; i += size) {
    const piece = input.subarray(i, i + size);
    const used = body.feed(piece, 0, sink);
    if (used < piece.length || body.done || body.failed) {
      rest = Buffer.concat([piece.subarray(used), input.subarray(i + size)]).toString('latin1');
      break;
    }
  }
  return { data: Buffer.concat(pieces).toString('latin1'), rest };
}

describe('RequestBody', () => {
  it.each([1, 3, 1000])('reads a Content-Length body in pieces of %i and stops at its end', (size) => {
    const body = new RequestBody(5, false);
    expect(run(body, 'helloGET /next', size)).toEqual({ data: 'hello', rest: 'GET /next' });
    expect(body.done).toBe(true);
  });

  it.each([1, 2, 5, 1000])('decodes a chunked body with extensions and trailers in pieces of %i', (size) => {
    const body = new RequestBody(-1, true);
    const text = '5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nGET /next';
    expect(run(body, text, size)).toEqual({ data: 'hello world', rest: 'GET /next' });
    expect(body.done).toBe(true);
  });

  it('is done at once without a body', () => {
    expect(new RequestBody(0, false).done).toBe(true);
    expect(new RequestBody(-1, false).done).toBe(true);
  });

  it.each([
    ['a size that is not hex', 'zz\r\n'],
    ['no size', '\r\n'],
    ['data not followed by CRLF', '3\r\nabcd\r\n0\r\n\r\n'],
    ['a bare LF after the size', '3\nabc\r\n0\r\n\r\n'],
    ['a size over 12 digits', '1000000000000\r\n'],
    ['a bare LF in a trailer', '0\r\nX: 1\n\r\n'],
  ])('fails on %s', (_what, text) => {
    const body = new RequestBody(-1, true);
    run(body, text);
    expect(body.failed).toBe(true);
    expect(body.error).toBeTruthy();
  });
});

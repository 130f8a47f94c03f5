import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app, openRaw, raw, startBackend, startRouter, table, type TestBackend, type TestRouter } from './test-support.js';

const HOST = 'myapp.localhost';
const statusOf = (text: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);

/** What node:http's parser and the router refuse, driven with raw sockets. */
describe('router: malformed and hostile requests', () => {
  let backend: TestBackend;
  let r: TestRouter;
  beforeAll(async () => {
    backend = await startBackend();
    r = await startRouter(table(1, app('myapp', [HOST], [backend.route()])), { headersTimeoutMs: 300, maxHeaderBytes: 16 * 1024 });
  });
  afterAll(async () => {
    await r.close();
    await backend.close();
  });

  async function refused(request: string, status = 400): Promise<void> {
    const before = backend.requests.length;
    const res = await raw(r.port, request);
    expect(statusOf(res.text), res.text.slice(0, 80)).toBe(status);
    expect(res.closed).toBe(true);
    expect(backend.requests.length).toBe(before);
  }

  it('refuses several Host headers', async () => {
    await refused(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nHost: other.example.com\r\n\r\n`);
  });

  it('refuses Content-Length with Transfer-Encoding, in either order, without smuggling', async () => {
    const smuggled = 'GET /admin HTTP/1.1\r\nHost: myapp.localhost\r\n\r\n';
    await refused(`POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`);
    await refused(`POST / HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${smuggled}`);
    await refused(`POST / HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n${smuggled}`);
    await refused(`POST / HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${smuggled}`);
    expect(backend.requests.map((q) => q.url)).not.toContain('/admin');
  });

  it('refuses conflicting and repeated Content-Length', async () => {
    await refused(`POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`);
    await refused(`POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 1, 2\r\n\r\nab`);
    await refused(`POST / HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: -1\r\n\r\n`);
  });

  it('refuses broken framing: bare LF, obs-fold, a space in a name, no Host in HTTP/1.1', async () => {
    await refused(`GET / HTTP/1.1\nHost: ${HOST}\n\n`);
    await refused(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nX-A: 1\r\n  folded\r\n\r\n`);
    await refused(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nX A: 1\r\n\r\n`);
    await refused('GET / HTTP/1.1\r\n\r\n');
  });

  it('limits the size of the head (431), of a header line (431) and of the request line (414)', async () => {
    await refused(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n${'X-Pad: '.concat('a'.repeat(4000), '\r\n').repeat(5)}\r\n`, 431);
    await refused(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nCookie: ${'c'.repeat(9000)}\r\n\r\n`, 431);
    await refused(`GET /${'p'.repeat(9000)} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`, 414);
  });

  it('closes connections that send their head too slowly', async () => {
    const c = await openRaw(r.port);
    c.socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n`);
    const started = Date.now();
    await c.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(statusOf(c.received())).toBe(408);
  });

  it('routes an absolute-form target only when it names the Host', async () => {
    const ok = await raw(r.port, `GET http://${HOST}/abs?q=1 HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(ok.text)).toBe(200);
    expect(ok.text).toContain('hello from /abs?q=1');
    await refused(`GET http://other.example.com/ HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
  });

  it('serves a non-WebSocket upgrade request as plain HTTP and closes', async () => {
    const res = await raw(r.port, `GET /h2 HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n`);
    expect(statusOf(res.text)).toBe(200);
    expect(res.text).toContain('hello from /h2');
    expect(res.closed).toBe(true);
    const seen = backend.requests.at(-1)!;
    expect(seen.headers.upgrade).toBeUndefined();
    expect(seen.headers['http2-settings']).toBeUndefined();
  });

  it('serves HTTP/1.0 clients and closes after the response', async () => {
    const res = await raw(r.port, `GET /old HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`);
    expect(res.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(res.text).toContain('hello from /old');
    expect(res.closed).toBe(true);
  });

  it("relays Expect: 100-continue to the dyno and the dyno's 100 back", async () => {
    const c = await openRaw(r.port);
    c.socket.write(`PUT /expect HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n`);
    await c.waitFor((t) => t.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
    expect(backend.requests.at(-1)?.url).toBe('/expect');
    c.socket.write('hello');
    await c.waitFor((t) => t.includes('hello from /expect'));
    c.socket.destroy();
  });

  it('keeps serving pipelined requests in order', async () => {
    const res = await raw(
      r.port,
      `GET /one HTTP/1.1\r\nHost: ${HOST}\r\n\r\nGET /two HTTP/1.1\r\nHost: ${HOST}\r\n\r\nGET /three HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`,
    );
    const bodies = [...res.text.matchAll(/hello from (\/\w+)/g)].map((m) => m[1]);
    expect(bodies).toEqual(['/one', '/two', '/three']);
  });
});

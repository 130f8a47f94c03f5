import { createServer, type AddressInfo, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { app, cleanupAfterEach, openRaw, parseLine, raw, send, startBackend, startRouter, table, waitFor, type TestRouter } from './test-support.js';

const HOST = 'myapp.localhost';
const statusOf = (text: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);

/** Client connections on the router's own HTTP/1.1 implementation: persistence, framing, pipelining. */
describe('router: client connections', () => {
  const defer = cleanupAfterEach();
  async function setup(handler?: Parameters<typeof startBackend>[0], options: Parameters<typeof startRouter>[1] = {}): Promise<TestRouter> {
    const b = await startBackend(handler);
    defer(() => b.close());
    const r = await startRouter(table(1, app('myapp', [HOST], [b.route()])), options);
    defer(() => r.close());
    return r;
  }
  /** A dyno speaking raw bytes: `answer` gets each request head and returns what to write. */
  async function rawDyno(answer: (head: string) => string): Promise<{ port: number; connections: () => number }> {
    let connections = 0;
    const server: Server = createServer((s) => {
      connections++;
      let buf = '';
      s.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        let end: number;
        while ((end = buf.indexOf('\r\n\r\n')) !== -1) {
          const head = buf.slice(0, end);
          buf = buf.slice(end + 4);
          const out = answer(head);
          if (out.endsWith('<close>')) s.end(out.slice(0, -7));
          else s.write(out);
        }
      });
      s.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { port: (server.address() as AddressInfo).port, connections: () => connections };
  }
  async function routeTo(port: number): Promise<TestRouter> {
    const r = await startRouter(table(1, app('myapp', [HOST], [{ dyno: 'web.1', host: '127.0.0.1', port }])));
    defer(() => r.close());
    return r;
  }

  it('tells clients how long idle connections are kept, and closes them after that', async () => {
    const r = await setup(undefined, { keepAliveTimeoutMs: 1000 });
    const c = await openRaw(r.port);
    c.socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
    const text = await c.waitFor((t) => t.includes('hello from /'));
    expect(text).toMatch(/\r\nConnection: keep-alive\r\nKeep-Alive: timeout=1\r\n/);
    const idleSince = Date.now();
    await c.closed;
    expect(Date.now() - idleSince).toBeGreaterThanOrEqual(900);
  });

  it("follows the dyno's keep-alive hint: a connection it keeps too briefly is not pooled", async () => {
    const brief = await rawDyno(() => 'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok');
    const r1 = await routeTo(brief.port);
    for (let i = 0; i < 3; i++) expect((await send(r1.port, { host: HOST })).body).toBe('ok');
    expect(brief.connections()).toBe(3);
    const lasting = await rawDyno(() => 'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok');
    const r2 = await routeTo(lasting.port);
    for (let i = 0; i < 3; i++) expect((await send(r2.port, { host: HOST })).body).toBe('ok');
    expect(lasting.connections()).toBe(1);
  });

  it('serves pipelined requests with bodies in order, on one connection', async () => {
    const r = await setup((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => res.end(`${req.method} ${req.url} [${body}]`));
    });
    const res = await raw(
      r.port,
      `POST /a HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 5\r\n\r\nhello` +
        `POST /b HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n` +
        `GET /c HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`,
    );
    expect([...res.text.matchAll(/(?:GET|POST) \/\w \[\w*\]/g)].map((m) => m[0])).toEqual(['POST /a [hello]', 'POST /b [abc]', 'GET /c []']);
    expect(res.closed).toBe(true);
  });

  it('ignores empty lines before a request line', async () => {
    const r = await setup();
    const res = await raw(r.port, `\r\n\r\nGET /after-crlf HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
    expect(res.text).toContain('hello from /after-crlf');
  });

  it('keeps an HTTP/1.0 connection that asks for it, and answers it without chunks', async () => {
    const r = await setup((_req, res) => {
      res.write('streamed ');
      res.end('body');
    });
    const c = await openRaw(r.port);
    c.socket.write(`GET /ka HTTP/1.0\r\nHost: ${HOST}\r\nConnection: keep-alive\r\n\r\n`);
    // The dyno's answer is chunked; an HTTP/1.0 client gets it delimited by the close instead.
    await c.closed;
    const text = c.received();
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).not.toMatch(/transfer-encoding/i);
    expect(text).toMatch(/\r\nConnection: close\r\n/);
    expect(text.endsWith('\r\n\r\nstreamed body')).toBe(true);

    const fixed = await setup((_req, res) => res.end('fixed'));
    const k = await openRaw(fixed.port);
    k.socket.write(`GET /one HTTP/1.0\r\nHost: ${HOST}\r\nConnection: keep-alive\r\n\r\n`);
    await k.waitFor((t) => t.endsWith('fixed'));
    k.socket.write(`GET /two HTTP/1.0\r\nHost: ${HOST}\r\nConnection: keep-alive\r\n\r\n`);
    await k.waitFor((t) => t.split('fixed').length === 3);
    k.socket.destroy();
  });

  it('re-frames a body that the dyno ends by closing, and keeps the client connection', async () => {
    const dyno = await rawDyno(() => 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil the end<close>');
    const r = await routeTo(dyno.port);
    const c = await openRaw(r.port);
    c.socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
    const text = await c.waitFor((t) => t.endsWith('0\r\n\r\n'));
    expect(text).toMatch(/\r\nTransfer-Encoding: chunked\r\n/);
    expect(text).toContain('\r\n\r\nd\r\nuntil the end\r\n0\r\n\r\n');
    c.socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
    await c.waitFor((t) => t.split('until the end').length === 3);
    c.socket.destroy();
  });

  it('answers HEAD with the head only, for dyno answers and router pages', async () => {
    const r = await setup((_req, res) => res.writeHead(200, { 'content-length': '5' }).end('hello'));
    const c = await openRaw(r.port);
    c.socket.write(`HEAD / HTTP/1.1\r\nHost: ${HOST}\r\n\r\nHEAD / HTTP/1.1\r\nHost: nope.localhost\r\n\r\nGET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
    const text = await c.waitFor((t) => t.endsWith('hello'));
    const heads = text.split(/(?=HTTP\/1\.1 )/);
    expect(heads.map(statusOf)).toEqual([200, 404, 200]);
    expect(heads[0]).toMatch(/content-length: 5\r\n[^]*\r\n\r\n$/i);
    expect(heads[1]).toMatch(/\r\n\r\n$/);
    c.socket.destroy();
  });

  it('refuses a malformed chunked body with 400 and closes', async () => {
    const r = await setup((req, res) => {
      req.on('data', () => {});
      req.on('error', () => {});
      req.on('end', () => res.end('read'));
    });
    const res = await raw(r.port, `POST / HTTP/1.1\r\nHost: ${HOST}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n\r\n`);
    expect(statusOf(res.text)).toBe(400);
    expect(res.closed).toBe(true);
    expect(parseLine(r.lines.at(-1)!.line)).toMatchObject({ status: '400' });
  });

  it('lets the client read an early answer to an upload it is still sending, then closes', async () => {
    const r = await setup((req, res) => {
      res.writeHead(413, { 'content-type': 'text/plain' });
      res.end('too large');
      req.socket.on('error', () => {});
    });
    const c = await openRaw(r.port);
    c.socket.on('error', () => {});
    c.socket.write(`PUT /up HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 10000000\r\n\r\n`);
    c.socket.write(Buffer.alloc(64 * 1024, 1));
    const text = await c.waitFor((t) => t.includes('too large'));
    expect(statusOf(text)).toBe(413);
    expect(text).toMatch(/\r\nConnection: close\r\n/);
    await c.closed;
  });

  it('refuses heads with more than 1000 fields (431)', async () => {
    const r = await setup(undefined, { maxHeaderBytes: 64 * 1024 });
    const res = await raw(r.port, `GET / HTTP/1.1\r\nHost: ${HOST}\r\n${'X-A: 1\r\n'.repeat(1001)}\r\n`);
    expect(statusOf(res.text)).toBe(431);
  });

  it('answers H17 when the dyno sends a field the client could not parse safely', async () => {
    const dyno = await rawDyno(() => 'HTTP/1.1 200 OK\r\nX-Split: a\rb\r\nContent-Length: 2\r\n\r\nok');
    const r = await routeTo(dyno.port);
    const res = await send(r.port, { host: HOST });
    expect(res.status).toBe(503);
    await waitFor(() => r.lines.length === 1);
    expect(parseLine(r.lines[0]!.line)).toMatchObject({ code: 'H17' });
  });
});

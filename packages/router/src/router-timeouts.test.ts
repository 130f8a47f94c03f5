import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { app, closedAfterEach, openRaw, parseLine, send, startBlackhole, table, waitFor } from './test-support.js';

const HOST = 'myapp.localhost';
const statusOf = (text: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);

describe('router: slow peers, timeouts and table changes', () => {
  const { router, backend, defer } = closedAfterEach();

  it('H15: an upload that stalls for idleTimeoutMs is answered 503 and cut at the dyno too', async () => {
    let dynoSawAbort = false;
    const b = await backend((req) => {
      req.on('data', () => {});
      req.on('aborted', () => (dynoSawAbort = true));
      req.on('error', () => {});
    });
    const r = await router(table(1, app('myapp', [HOST], [b.route()])), { idleTimeoutMs: 200 });
    const c = await openRaw(r.port);
    c.socket.write(`PUT /upload HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 100\r\n\r\n0123456789`);
    const started = Date.now();
    await c.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(statusOf(c.received())).toBe(503);
    expect(parseLine(r.lines.at(-1)!.line)).toMatchObject({ code: 'H15', status: '503', dyno: 'web.1' });
    await waitFor(() => dynoSawAbort);
  });

  it('H15: a client that stops reading a streamed response is cut after idleTimeoutMs', async () => {
    let written = 0;
    const b = await backend((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        while (written < 512 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      res.on('error', () => {});
    });
    const r = await router(table(1, app('myapp', [HOST], [b.route()])), { idleTimeoutMs: 300 });
    const c = await openRaw(r.port);
    c.socket.pause();
    c.socket.write(`GET /big HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
    await waitFor(() => r.lines.length === 1, 10_000);
    expect(parseLine(r.lines[0]!.line)).toMatchObject({ code: 'H15', status: '200' });
    // Backpressure held the dyno back: the router did not buffer the stream.
    expect(written).toBeLessThan(64 * 1024 * 1024);
    c.socket.destroy();
  });

  it('closes a WebSocket whose client stops reading, without buffering what the dyno sends', async () => {
    let written = 0;
    let dynoClosed = false;
    const b = await backend((_req, res) => res.writeHead(400).end());
    b.server.on('upgrade', (req, socket: Socket) => {
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.on('error', () => {});
      socket.on('close', () => (dynoClosed = true));
      const chunk = Buffer.alloc(64 * 1024, 2);
      const pump = () => {
        while (!socket.destroyed && written < 512 * 1024 * 1024) {
          written += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    const r = await router(table(1, app('myapp', [HOST], [b.route()])), { idleTimeoutMs: 300 });
    const c = await openRaw(r.port);
    c.socket.write(`GET /ws HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await c.waitFor((t) => t.startsWith('HTTP/1.1 101 '));
    c.socket.pause();
    await waitFor(() => dynoClosed, 10_000);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('retries a request whose dyno left the table while it was connecting on the new table', async () => {
    const hole = await startBlackhole();
    defer(() => hole.close());
    const next = await backend((req, res) => {
      req.resume();
      res.end('new dyno');
    });
    const r = await router(table(1, app('myapp', [HOST], [{ dyno: 'web.1', host: '127.0.0.1', port: hole.port }])), { connectTimeoutMs: 300 });
    const answer = send(r.port, { host: HOST });
    // In flight means connecting to web.1, the only dyno of table 1.
    await waitFor(() => r.router.stats().inFlight === 1);
    let applied = false;
    const applying = r.router.applyTable(table(2, app('myapp', [HOST], [next.route('web.2')]))).then(() => (applied = true));
    // The old dyno still has the request in flight (connecting): the table is not applied yet.
    expect(applied).toBe(false);
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body).toBe('new dyno');
    expect(parseLine(r.lines.at(-1)!.line)).toMatchObject({ at: 'info', dyno: 'web.2' });
    expect(r.logger.entries.find((e) => e.level === 'warn')?.obj).toMatchObject({ dyno: 'web.1', code: 'H19' });
    await applying;
  });

  it('answers 408 to a kept-alive connection whose next head stalls, and closes a silent fresh one', async () => {
    const b = await backend();
    const r = await router(table(1, app('myapp', [HOST], [b.route()])), { headersTimeoutMs: 250 });
    const c = await openRaw(r.port);
    c.socket.write(`GET /first HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
    await c.waitFor((t) => t.includes('hello from /first'));
    c.socket.write(`GET /second HTTP/1.1\r\nHost: ${HOST}\r\n`);
    const started = Date.now();
    await c.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(c.received().slice(c.received().indexOf('hello from /first'))).toMatch(/HTTP\/1\.1 408 /);

    const silent = await openRaw(r.port);
    await silent.closed;
    expect(silent.received()).toBe('');
  });

  it('counts requests per app by status class and service time, across tables', async () => {
    const ok = await backend((req, res) => {
      req.resume();
      if (req.url === '/slow') setTimeout(() => res.end('slow'), 30);
      else res.writeHead(req.url === '/missing' ? 404 : 200).end('x');
    });
    const r = await router(table(1, app('myapp', [HOST], [ok.route()]), app('down', ['down.localhost'], [], 'maintenance')));
    await send(r.port, { host: HOST });
    await send(r.port, { host: HOST, path: '/missing' });
    await send(r.port, { host: HOST, path: '/slow' });
    await send(r.port, { host: 'down.localhost' });
    await send(r.port, { host: 'unknown.localhost' });
    await r.router.applyTable(table(2, app('myapp', [HOST], [ok.route()])));
    await send(r.port, { host: HOST });
    const byApp = new Map(r.router.metrics().map((m) => [m.app, m]));
    expect([...byApp.keys()].sort()).toEqual(['down', 'myapp']);
    const mine = byApp.get('myapp')!;
    expect(mine.statusClasses).toEqual([0, 3, 0, 1, 0]);
    expect(mine.latencyBuckets.reduce((a, b) => a + b, 0)).toBe(4);
    // The 30 ms answer falls in the (25, 50] ms bucket.
    expect(mine.latencyBuckets[5]).toBe(1);
    expect(mine.latencySumMs).toBeGreaterThanOrEqual(30);
    expect(byApp.get('down')!.statusClasses).toEqual([0, 0, 0, 0, 1]);
  });
});

import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  app,
  closedAfterEach,
  openRaw,
  parseLine,
  send,
  startBlackhole,
  table,
  unusedPort,
  waitFor,
  type TestRouter,
} from './test-support.js';

const HOST = 'myapp.localhost';
const GET = `GET / HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;

describe('router: error codes', () => {
  const { router, backend, defer } = closedAfterEach();
  const lastLine = (r: TestRouter) => parseLine(r.lines.at(-1)!.line);

  it('H12: no response head within requestTimeoutMs after the request was sent', async () => {
    const b = await backend(() => {});
    const r = await router(table(1, app('myapp', [HOST], [b.route()])), { requestTimeoutMs: 200 });
    const started = Date.now();
    const res = await send(r.port, { host: HOST });
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    const line = lastLine(r);
    expect(line).toMatchObject({ at: 'error', code: 'H12', desc: 'Request timeout', status: '503', dyno: 'web.1' });
    expect(Number.parseInt(line.service!, 10)).toBeGreaterThanOrEqual(190);
  });

  it('H13: the dyno closes the connection without a response', async () => {
    const b = await backend((req) => req.socket.destroy());
    const r = await router(table(1, app('myapp', [HOST], [b.route()])));
    const res = await send(r.port, { host: HOST });
    expect(res.status).toBe(503);
    expect(lastLine(r)).toMatchObject({ code: 'H13', desc: 'Connection closed without response', status: '503' });
  });

  it('H15: no byte either way for idleTimeoutMs once the response started closes the connection', async () => {
    const b = await backend((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const r = await router(table(1, app('myapp', [HOST], [b.route()])), { idleTimeoutMs: 200 });
    const c = await openRaw(r.port);
    c.socket.write(GET);
    await c.waitFor((t) => t.includes('partial'));
    await c.closed;
    expect(c.received()).not.toMatch(/0\r\n\r\n$/);
    expect(lastLine(r)).toMatchObject({ code: 'H15', desc: 'Idle connection', status: '200' });
  });

  it('H18: the dyno closes the connection after the response started', async () => {
    const b = await backend((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
      res.write('some', () => req.socket.destroy());
    });
    const r = await router(table(1, app('myapp', [HOST], [b.route()])));
    const c = await openRaw(r.port);
    c.socket.write(GET);
    await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(lastLine(r)).toMatchObject({ code: 'H18', desc: 'Server Request Interrupted' });
  });

  it('H17: the dyno answers something that is not HTTP', async () => {
    const bad: Server = createServer((s) => s.resume().end('SSH-2.0-OpenSSH\r\n\r\n'));
    await new Promise<void>((resolve) => bad.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => bad.close(() => resolve())));
    const port = (bad.address() as AddressInfo).port;
    const r = await router(table(1, app('myapp', [HOST], [{ dyno: 'web.1', host: '127.0.0.1', port }])));
    const res = await send(r.port, { host: HOST });
    expect(res.status).toBe(503);
    expect(lastLine(r)).toMatchObject({ code: 'H17' });
  });

  it('H21: a refused connection penalizes the dyno and retries on another one', async () => {
    const good = await backend();
    const refused = await unusedPort();
    // random() = 0 always draws the first backend first: the refused one.
    const r = await router(
      table(1, app('myapp', [HOST], [{ dyno: 'web.1', host: '127.0.0.1', port: refused }, good.route('web.2')])),
      { backendPenaltyMs: 60_000 },
      { random: () => 0 },
    );
    for (let i = 0; i < 3; i++) {
      const res = await send(r.port, { host: HOST, method: 'POST', body: 'payload' });
      expect(res.status).toBe(200);
      expect(lastLine(r)).toMatchObject({ at: 'info', dyno: 'web.2', status: '200' });
    }
    // Penalized: tried once only.
    const warnings = r.logger.entries.filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ app: 'myapp', dyno: 'web.1', code: 'H21' });
    expect(good.requests).toHaveLength(3);
  });

  it('H21: 503 when every dyno refuses', async () => {
    const ports = [await unusedPort(), await unusedPort()];
    const r = await router(table(1, app('myapp', [HOST], ports.map((port, i) => ({ dyno: `web.${i + 1}`, host: '127.0.0.1', port })))));
    const res = await send(r.port, { host: HOST });
    expect(res.status).toBe(503);
    expect(lastLine(r)).toMatchObject({ code: 'H21', desc: 'Backend connection refused', status: '503' });
    expect(r.logger.entries.filter((e) => e.obj.code === 'H21')).toHaveLength(2);
    // Both penalized now: the next request fails at once with the same code.
    const again = await send(r.port, { host: HOST });
    expect(again.status).toBe(503);
    expect(lastLine(r)).toMatchObject({ code: 'H21' });
  });

  it('H19: a connection that does not open in connectTimeoutMs is retried elsewhere, else 503', async () => {
    const hole = await startBlackhole();
    defer(() => hole.close());
    const good = await backend();
    const r = await router(
      table(1, app('myapp', [HOST], [{ dyno: 'web.1', host: '127.0.0.1', port: hole.port }, good.route('web.2')])),
      { connectTimeoutMs: 200 },
      { random: () => 0 },
    );
    const res = await send(r.port, { host: HOST });
    expect(res.status).toBe(200);
    expect(lastLine(r)).toMatchObject({ at: 'info', dyno: 'web.2' });
    expect(Number.parseInt(lastLine(r).connect!, 10)).toBeGreaterThanOrEqual(190);
    expect(r.logger.entries.find((e) => e.level === 'warn')?.obj).toMatchObject({ dyno: 'web.1', code: 'H19' });

    const only = await router(table(1, app('other', [HOST], [{ dyno: 'web.1', host: '127.0.0.1', port: hole.port }])), { connectTimeoutMs: 200 });
    const failed = await send(only.port, { host: HOST });
    expect(failed.status).toBe(503);
    expect(lastLine(only)).toMatchObject({ code: 'H19', desc: 'Backend connection timeout' });
  });

  it('retries an idempotent request once when a pooled connection turns out closed, not a POST', async () => {
    // A dyno that answers the first request of each connection and closes on the second, silently.
    const requestsPerConnection: number[] = [];
    const flaky: Server = createServer((s) => {
      const index = requestsPerConnection.push(0) - 1;
      let buffered = '';
      s.on('data', (d: Buffer) => {
        buffered += d.toString('latin1');
        while (buffered.includes('\r\n\r\n')) {
          const head = buffered.slice(0, buffered.indexOf('\r\n\r\n'));
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
          buffered = buffered.slice(head.length + 4 + length);
          if (requestsPerConnection[index]!++ === 0) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
          else s.destroy();
        }
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => flaky.close(() => resolve())));
    const port = (flaky.address() as AddressInfo).port;
    const r = await router(table(1, app('myapp', [HOST], [{ dyno: 'web.1', host: '127.0.0.1', port }])));
    expect((await send(r.port, { host: HOST })).body).toBe('ok');
    // The pooled connection is used again, dies, and the GET goes out again on a fresh one.
    expect((await send(r.port, { host: HOST })).body).toBe('ok');
    expect(requestsPerConnection).toEqual([2, 1]);
    // A POST is not sent twice: H13.
    const post = await send(r.port, { host: HOST, method: 'POST', body: 'once' });
    expect(post.status).toBe(503);
    expect(lastLine(r)).toMatchObject({ code: 'H13' });
    expect(requestsPerConnection).toEqual([2, 2]);
  });

  it('H27: the client goes away in the middle of a streamed response, and the dyno connection is cut', async () => {
    let dynoSawClose = false;
    const b = await backend((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part');
      req.socket.on('close', () => (dynoSawClose = true));
    });
    const r = await router(table(1, app('myapp', [HOST], [b.route()])));
    const c = await openRaw(r.port);
    c.socket.write(GET);
    await c.waitFor((t) => t.includes('first part'));
    c.socket.destroy();
    await waitFor(() => r.lines.length === 1);
    expect(lastLine(r)).toMatchObject({ code: 'H27', status: '499', bytes: '10', dyno: 'web.1' });
    await waitFor(() => dynoSawClose);
    expect(r.router.stats()).toMatchObject({ inFlight: 0 });
  });

  it('H27: the client goes away before the response, and the dyno request is aborted', async () => {
    let dynoSawClose = false;
    const b = await backend((req) => {
      req.socket.on('close', () => (dynoSawClose = true));
    });
    const r = await router(table(1, app('myapp', [HOST], [b.route()])));
    const c = await openRaw(r.port);
    c.socket.write(GET);
    await waitFor(() => b.requests.length === 1);
    c.socket.destroy();
    await waitFor(() => r.lines.length === 1);
    expect(lastLine(r)).toMatchObject({ code: 'H27', desc: 'Client Request Interrupted', status: '499' });
    await waitFor(() => dynoSawClose);
  });
});

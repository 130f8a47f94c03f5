import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { app, cleanupAfterEach, openRaw, startBackend, startRouter, table, type TestRouter } from './test-support.js';

const HOST = 'myapp.localhost';
const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`;
const responses = (text: string) => text.split('HTTP/1.1 ').length - 1;

/** Closing the router (a restart or an upgrade) answers what clients sent and races none of their requests. */
describe('router: graceful close', () => {
  const defer = cleanupAfterEach();

  /** A dyno whose `/slow` answers only when `release()` is called. */
  async function setup(options: Parameters<typeof startRouter>[1] = {}): Promise<TestRouter & { slowArrived: Promise<void>; release: () => void }> {
    let release = () => {};
    let arrived = () => {};
    const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const b = await startBackend((req, res) => {
      if (req.url === '/slow') {
        arrived();
        void released.then(() => res.end('slow done'));
      } else if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('part ');
        arrived();
        void released.then(() => res.end('stream done'));
      } else if (req.url === '/never') {
        arrived();
      } else {
        res.end(`hello from ${req.url}`);
      }
    });
    defer(() => b.close());
    const r = await startRouter(table(1, app('myapp', [HOST], [b.route()])), options);
    defer(() => r.close());
    return { ...r, slowArrived, release };
  }

  it('answers the request in flight with Connection: close, refuses new connections, and resolves once the client is gone', async () => {
    const r = await setup();
    const c = await openRaw(r.port);
    c.socket.write(GET('/slow'));
    await r.slowArrived;
    let closedAt = 0;
    const closing = r.router.close().then(() => (closedAt = performance.now()));
    const refused = await new Promise<string>((resolve) => {
      const s = connect(r.port, '127.0.0.1');
      s.on('connect', () => resolve('connected'));
      s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    r.release();
    const text = await c.waitFor((t) => t.includes('slow done'));
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toMatch(/\r\nConnection: close\r\n/);
    await c.closed;
    await closing;
    expect(closedAt).toBeGreaterThan(0);
  });

  it('answers the next request on a connection that was promised keep-alive, with Connection: close', async () => {
    const r = await setup({ drainIdleMs: 5000 });
    const c = await openRaw(r.port);
    c.socket.write(GET('/first'));
    await c.waitFor((t) => t.includes('hello from /first'));
    expect(c.received()).toMatch(/\r\nConnection: keep-alive\r\n/);
    const closing = r.router.close();
    // The client, not knowing yet, sends its next request on the kept-alive connection.
    c.socket.write(GET('/second'));
    const text = await c.waitFor((t) => t.includes('hello from /second'));
    const second = text.slice(text.lastIndexOf('HTTP/1.1 '));
    expect(second).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(second).toMatch(/\r\nConnection: close\r\n/);
    await c.closed;
    await closing;
    expect(responses(c.received())).toBe(2);
  });

  it('answers a response in progress whose head announced keep-alive, then the next request with Connection: close', async () => {
    const r = await setup({ drainIdleMs: 5000 });
    const c = await openRaw(r.port);
    c.socket.write(GET('/stream'));
    await r.slowArrived;
    await c.waitFor((t) => t.includes('part'));
    expect(c.received()).toMatch(/\r\nConnection: keep-alive\r\n/);
    const closing = r.router.close();
    r.release();
    await c.waitFor((t) => t.includes('stream done'));
    c.socket.write(GET('/after'));
    const text = await c.waitFor((t) => t.includes('hello from /after'));
    expect(text.slice(text.lastIndexOf('HTTP/1.1 '))).toMatch(/\r\nConnection: close\r\n/);
    await c.closed;
    await closing;
  });

  it('closes a kept-alive connection once it has been idle for drainIdleMs, not before', async () => {
    const r = await setup({ drainIdleMs: 400 });
    const c = await openRaw(r.port);
    c.socket.write(GET('/'));
    await c.waitFor((t) => t.includes('hello from /'));
    const idleSince = performance.now();
    await r.router.close();
    await c.closed;
    const idle = performance.now() - idleSince;
    expect(idle).toBeGreaterThanOrEqual(380);
    expect(idle).toBeLessThan(1500);
    expect(responses(c.received())).toBe(1);
  });

  it('cuts what is left after drainTimeoutMs and says so', async () => {
    const r = await setup({ drainTimeoutMs: 300, drainIdleMs: 100 });
    const c = await openRaw(r.port);
    c.socket.write(GET('/never'));
    await r.slowArrived;
    const started = performance.now();
    await r.router.close();
    const took = performance.now() - started;
    await c.closed;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2000);
    expect(r.logger.entries.some((e) => e.level === 'warn' && /drain timed out/.test(e.msg ?? ""))).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app, parseLine, raw, send, startBackend, startRouter, table, type TestBackend, type TestRouter } from './test-support.js';

/** The backend answers (chunked) with the request head it received, and hop-by-hop fields of its own. */
describe('router: headers', () => {
  let backend: TestBackend;
  let r: TestRouter;
  beforeAll(async () => {
    backend = await startBackend((req, res) => {
      req.resume();
      req.on('end', () => {
        const body = JSON.stringify({ url: req.url, method: req.method, rawHeaders: req.rawHeaders });
        res.writeHead(200, [
          'Content-Type', 'application/json',
          'Connection', 'keep-alive, X-Backend-Secret',
          'X-Backend-Secret', 'hidden',
          'Keep-Alive', 'timeout=5',
          'Proxy-Authenticate', 'Basic',
          // node:http allows a Trailer field only on chunked responses (not on HEAD).
          ...(req.method === 'HEAD' ? [] : ['Trailer', 'X-Checksum']),
          'Upgrade', 'h2c',
          'X-App', 'kept',
        ]);
        res.end(body);
      });
    });
    r = await startRouter(table(1, app('myapp', ['myapp.localhost'], [backend.route()])));
  });
  afterAll(async () => {
    await r.close();
    await backend.close();
  });

  function received(body: string): { url: string; method: string; headers: [string, string][] } {
    const parsed = JSON.parse(body) as { url: string; method: string; rawHeaders: string[] };
    const headers: [string, string][] = [];
    for (let i = 0; i < parsed.rawHeaders.length; i += 2) headers.push([parsed.rawHeaders[i]!.toLowerCase(), parsed.rawHeaders[i + 1]!]);
    return { url: parsed.url, method: parsed.method, headers };
  }
  const one = (headers: [string, string][], name: string) => {
    const all = headers.filter(([n]) => n === name).map(([, v]) => v);
    expect(all.length, `${name} appears ${all.length} times`).toBeLessThanOrEqual(1);
    return all[0];
  };

  it('adds the forwarding headers and preserves Host, path and end-to-end fields', async () => {
    const before = Date.now();
    const res = await send(r.port, {
      host: 'MyApp.localhost:9999',
      path: '/a/b?c=d&e',
      headers: { 'x-forwarded-for': '203.0.113.9', 'x-custom': 'yes', via: '1.0 corp-proxy', 'x-forwarded-proto': 'https', 'x-forwarded-port': '1' },
    });
    expect(res.status).toBe(200);
    const got = received(res.body);
    expect(got.url).toBe('/a/b?c=d&e');
    expect(one(got.headers, 'host')).toBe('MyApp.localhost:9999');
    expect(one(got.headers, 'x-custom')).toBe('yes');
    expect(one(got.headers, 'x-forwarded-for')).toBe('203.0.113.9, 127.0.0.1');
    expect(one(got.headers, 'x-forwarded-proto')).toBe('http');
    expect(one(got.headers, 'x-forwarded-port')).toBe(String(r.port));
    expect(one(got.headers, 'via')).toBe('1.0 corp-proxy, 1.1 paas');
    const start = Number(one(got.headers, 'x-request-start'));
    expect(start).toBeGreaterThanOrEqual(before);
    expect(start).toBeLessThanOrEqual(Date.now());
    const id = one(got.headers, 'x-request-id')!;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(res.headers['x-request-id']).toBe(id);
    expect(parseLine(r.lines.at(-1)!.line)).toMatchObject({ request_id: id, fwd: '203.0.113.9, 127.0.0.1' });
  });

  it('keeps a valid incoming X-Request-Id and replaces an invalid one', async () => {
    const good = 'Zm9vYmFyYmF6cXV4cXV1eA==_-/+';
    const res = await send(r.port, { host: 'myapp.localhost', headers: { 'x-request-id': good } });
    expect(one(received(res.body).headers, 'x-request-id')).toBe(good);
    expect(res.headers['x-request-id']).toBe(good);
    const bad = await send(r.port, { host: 'myapp.localhost', headers: { 'x-request-id': 'too-short' } });
    const id = one(received(bad.body).headers, 'x-request-id');
    expect(id).not.toBe('too-short');
    expect(id).toHaveLength(36);
  });

  it('strips hop-by-hop request fields, including those Connection lists', async () => {
    const res = await send(r.port, {
      host: 'myapp.localhost',
      headers: {
        connection: 'keep-alive, X-Hop',
        'x-hop': 'gone',
        'keep-alive': 'timeout=3',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        'proxy-authorization': 'Basic c2VjcmV0',
        'x-end-to-end': 'kept',
      },
    });
    const names = received(res.body).headers.map(([n]) => n);
    for (const hop of ['connection', 'x-hop', 'keep-alive', 'proxy-connection', 'te', 'proxy-authorization', 'upgrade', 'trailer']) {
      expect(names).not.toContain(hop);
    }
    expect(names).toContain('x-end-to-end');
  });

  it('strips hop-by-hop response fields and adds Via and X-Request-Id', async () => {
    const res = await send(r.port, { host: 'myapp.localhost' });
    const names = res.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    for (const hop of ['x-backend-secret', 'proxy-authenticate', 'trailer', 'upgrade']) expect(names).not.toContain(hop);
    // keep-alive and connection are the router's own (about the client connection), not the dyno's.
    expect(res.headers['keep-alive']).not.toBe('timeout=5');
    expect(res.headers['x-app']).toBe('kept');
    expect(res.headers.via).toBe('1.1 paas');
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('re-frames a chunked request body for the dyno', async () => {
    const text = await raw(
      r.port,
      'POST /up HTTP/1.1\r\nHost: myapp.localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    );
    expect(text.text).toMatch(/^HTTP\/1\.1 200 /);
    // The answer is chunked too; the dyno's view of the request is inside.
    expect(text.text).toContain('"Transfer-Encoding","chunked"');
    expect(text.text).not.toMatch(/content-length/i);
  });

  it('forwards every method but CONNECT', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const res = await send(r.port, { host: 'myapp.localhost', method, body: method === 'GET' ? undefined : 'x' });
      expect(received(res.body).method).toBe(method);
    }
    const head = await send(r.port, { host: 'myapp.localhost', method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const connect = await raw(r.port, 'CONNECT myapp.localhost:443 HTTP/1.1\r\nHost: myapp.localhost:443\r\n\r\n');
    expect(connect.text).toMatch(/^HTTP\/1\.1 405 /);
  });
});

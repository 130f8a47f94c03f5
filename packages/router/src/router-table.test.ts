import type { IncomingMessage, ServerResponse } from 'node:http';
import { silentLogger } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTER_OPTIONS } from './options.js';
import { createRouter } from './router.js';
import { app, cleanupAfterEach, parseLine, send, startBackend, startRouter, table, waitFor, type TestBackend } from './test-support.js';

const HOST = 'myapp.localhost';

describe('router: applying tables', () => {
  const defer = cleanupAfterEach();
  async function backend(name: string, hold = false): Promise<TestBackend & { held: ServerResponse[] }> {
    const held: ServerResponse[] = [];
    const b = await startBackend((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      if (hold) held.push(res);
      else res.end(name);
    });
    defer(() => b.close());
    return Object.assign(b, { held });
  }

  it('resolves only once requests in flight to a removed backend have finished', async () => {
    const old = await backend('old', true);
    const next = await backend('new');
    const r = await startRouter(table(1, app('myapp', [HOST], [old.route()])));
    defer(() => r.close());
    const parked = send(r.port, { host: HOST });
    await waitFor(() => old.held.length === 1);

    let applied = false;
    const applying = r.router.applyTable(table(2, app('myapp', [HOST], [next.route('web.2')]))).then(() => (applied = true));
    // New requests go to the new backend at once...
    expect((await send(r.port, { host: HOST })).body).toBe('new');
    expect(r.router.table().version).toBe(2);
    // ...while the old one still serves its request, and the table is not reported applied.
    expect(applied).toBe(false);
    old.held[0]!.end('old');
    expect((await parked).body).toBe('old');
    await applying;
    expect(applied).toBe(true);
  });

  it('gives up waiting after drainTimeoutMs', async () => {
    const old = await backend('old', true);
    const r = await startRouter(table(1, app('myapp', [HOST], [old.route()])), { drainTimeoutMs: 200 });
    defer(async () => {
      old.held[0]?.end();
      await r.close();
    });
    void send(r.port, { host: HOST }).catch(() => {});
    await waitFor(() => old.held.length === 1);
    const started = Date.now();
    await r.router.applyTable(table(2));
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(r.logger.entries.some((e) => e.msg?.includes('drain timed out'))).toBe(true);
  });

  it('closes pooled connections to removed backends and ignores older tables', async () => {
    const b = await backend('one');
    const r = await startRouter(table(5, app('myapp', [HOST], [b.route()])));
    defer(() => r.close());
    expect((await send(r.port, { host: HOST })).body).toBe('one');
    const connections = () => new Promise<number>((resolve) => b.server.getConnections((_e, n) => resolve(n)));
    expect(await connections()).toBe(1);
    await r.router.applyTable(table(4));
    expect(r.router.table().version).toBe(5);
    expect((await send(r.port, { host: HOST })).status).toBe(200);
    await r.router.applyTable(table(6));
    expect((await send(r.port, { host: HOST })).status).toBe(404);
    await waitFor(async () => (await connections()) === 0 || undefined);
  });

  it('keeps pooled connections and their reuse across tables that keep the backend', async () => {
    const b = await backend('one');
    const r = await startRouter(table(1, app('myapp', [HOST], [b.route()])));
    defer(() => r.close());
    await send(r.port, { host: HOST });
    await r.router.applyTable(table(2, app('myapp', [HOST, 'other.localhost'], [b.route()])));
    expect((await send(r.port, { host: 'other.localhost' })).body).toBe('one');
    // Both requests used one pooled connection: connect=0ms on the second is not guaranteed, the
    // single connection at the dyno is.
    const connections = await new Promise<number>((resolve) => b.server.getConnections((_e, n) => resolve(n)));
    expect(connections).toBe(1);
    expect(r.lines.map((l) => parseLine(l.line).status)).toEqual(['200', '200']);
  });

  it('rejects listen on a port in use, and can listen again', async () => {
    const first = await startRouter(table(1));
    defer(() => first.close());
    const second = createRouter({ options: DEFAULT_ROUTER_OPTIONS, logger: silentLogger });
    defer(() => second.close());
    await expect(second.listen(first.port, '127.0.0.1')).rejects.toThrow(/EADDRINUSE/);
    expect(await second.listen(0, '127.0.0.1')).toBeGreaterThan(0);
  });

  it('close() lets requests in flight finish, then stops', async () => {
    const b = await backend('slow', true);
    const r = await startRouter(table(1, app('myapp', [HOST], [b.route()])));
    const parked = send(r.port, { host: HOST });
    await waitFor(() => b.held.length === 1);
    let closed = false;
    const closing = r.close().then(() => (closed = true));
    await expect(send(r.port, { host: HOST })).rejects.toThrow();
    expect(closed).toBe(false);
    b.held[0]!.end('done');
    expect((await parked).body).toBe('done');
    await closing;
  });
});

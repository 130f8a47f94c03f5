import { afterEach, describe, expect, it } from 'vitest';
import { app, parseLine, send, startBackend, startRouter, table, waitFor, type TestBackend, type TestRouter } from './test-support.js';

describe('router: routing by Host', () => {
  let backends: TestBackend[] = [];
  let r: TestRouter | undefined;
  afterEach(async () => {
    await r?.close();
    await Promise.all(backends.map((b) => b.close()));
    backends = [];
    r = undefined;
  });

  async function named(name: string): Promise<TestBackend> {
    const b = await startBackend((req, res) => {
      req.resume();
      res.end(name);
    });
    backends.push(b);
    return b;
  }

  it('routes exact and wildcard hosts, most specific first, ignoring case, port and trailing dot', async () => {
    const [exact, wild, apiWild] = [await named('exact'), await named('wild'), await named('api-wild')];
    r = await startRouter(
      table(
        1,
        app('exact', ['www.example.com'], [exact.route()]),
        app('wild', ['*.example.com'], [wild.route()]),
        app('api', ['*.api.example.com'], [apiWild.route()]),
      ),
    );
    const cases: [string, string | number][] = [
      ['www.example.com', 'exact'],
      ['WWW.Example.COM:8080', 'exact'],
      ['www.example.com.', 'exact'],
      ['a.example.com', 'wild'],
      ['a.b.example.com', 'wild'],
      ['x.api.example.com', 'api-wild'],
      ['y.x.api.example.com', 'api-wild'],
      ['example.com', 404],
      ['other.org', 404],
    ];
    for (const [host, expected] of cases) {
      const res = await send(r.port, { host });
      if (typeof expected === 'number') expect([host, res.status]).toEqual([host, expected]);
      else expect([host, res.status, res.body]).toEqual([host, 200, expected]);
    }
  });

  it('answers 404 with the branded page when no app has the host', async () => {
    r = await startRouter(table(1));
    const res = await send(r.port, { host: 'nope.example.com' });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('No such app');
    expect(r.lines).toEqual([]);
  });

  it.each([
    ['maintenance', 'H80', 'maintenance'],
    ['crashed', 'H10', 'Application error'],
    ['no_web_dynos', 'H14', 'No web dynos running'],
    ['blank', 'H81', 'Nothing is deployed'],
  ] as const)('answers 503 %s with %s', async (state, code, text) => {
    const b = await named('up');
    r = await startRouter(table(1, app('myapp', ['myapp.localhost'], state === 'no_web_dynos' || state === 'blank' ? [] : [b.route()], state)));
    const res = await send(r.port, { host: 'myapp.localhost' });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.body).toContain(text);
    expect(b.requests).toHaveLength(0);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]!.app).toBe('myapp');
    expect(parseLine(r.lines[0]!.line)).toMatchObject({ at: 'error', code, status: '503', dyno: '', connect: '', service: '' });
  });

  it('answers H14 for an app that is up without backends', async () => {
    r = await startRouter(table(1, app('myapp', ['myapp.localhost'], [])));
    const res = await send(r.port, { host: 'myapp.localhost' });
    expect(res.status).toBe(503);
    expect(parseLine(r.lines[0]!.line)).toMatchObject({ code: 'H14', desc: 'No web dynos running' });
  });

  it('spreads requests over the backends of an app', async () => {
    const list = [await named('one'), await named('two'), await named('three')];
    r = await startRouter(table(1, app('myapp', ['myapp.localhost'], list.map((b, i) => b.route(`web.${i + 1}`)))));
    const seen = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const res = await send(r.port, { host: 'myapp.localhost' });
      seen.set(res.body, (seen.get(res.body) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['one', 'three', 'two']);
    for (const n of seen.values()) expect(n).toBeGreaterThan(5);
    const dynos = new Set(r.lines.map((l) => parseLine(l.line).dyno));
    expect(dynos).toEqual(new Set(['web.1', 'web.2', 'web.3']));
  });

  it('prefers the backend with fewer requests in flight', async () => {
    let release: (() => void) | undefined;
    const slow = await startBackend((req, res) => {
      release = () => res.end('slow');
    });
    const fast = await named('fast');
    backends.push(slow);
    r = await startRouter(table(1, app('myapp', ['myapp.localhost'], [slow.route('web.1'), fast.route('web.2')])));
    // Park one request on the slow backend (sending until the random draw puts one there).
    const parked: Promise<unknown>[] = [];
    for (let i = 0; i < 50 && slow.requests.length === 0; i++) {
      let answered = false;
      parked.push(send(r.port, { host: 'myapp.localhost' }).then(() => (answered = true)));
      await waitFor(() => answered || slow.requests.length > 0);
    }
    expect(slow.requests).toHaveLength(1);
    // With two backends both are always drawn, so every new request goes to the idle one.
    for (let i = 0; i < 10; i++) expect((await send(r.port, { host: 'myapp.localhost' })).body).toBe('fast');
    release?.();
    await Promise.all(parked);
  });
});

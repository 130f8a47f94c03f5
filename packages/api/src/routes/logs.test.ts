import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { LogDrain, LogLine, LogRecord } from '@paas/core';
import { auth, deploy, settle, setup } from '../control-plane.harness.js';

type Plane = ReturnType<typeof setup>['plane'];

async function logs(plane: Plane, app: string, query = ''): Promise<LogLine[]> {
  const res = await plane.api.inject({ url: `/apps/${app}/logs${query}`, headers: auth });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
  return res.body
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogRecord)
    .filter((r): r is LogLine => 'seq' in r);
}

/** Lets the log service commit what was written (it commits right after the current I/O). */
const committed = () => new Promise((r) => setImmediate(r));

describe('app logs API', () => {
  it("puts the API's events in the app's stream as paas[api] lines, config var names without values", async () => {
    const { plane } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'shop' } });
    await deploy(plane, 'shop');
    await plane.api.inject({ method: 'PATCH', url: '/apps/shop/config-vars', headers: auth, payload: { SECRET_TOKEN: 'hunter2-value' } });
    await settle(plane);
    await committed();
    const lines = await logs(plane, 'shop', '?source=paas&dyno=api');
    expect(lines.map((l) => l.message)).toEqual([
      'Build started by admin@test',
      'Deploy abcdef1 by admin@test',
      'Release v1 created by admin@test',
      'Build succeeded',
      'Set SECRET_TOKEN config vars by admin@test',
      'Release v2 created by admin@test',
    ]);
    expect(lines[0]).toMatchObject({ seq: 1, source: 'paas', dyno: 'api', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/) });
    const everything = await plane.api.inject({ url: '/apps/shop/logs?lines=1500', headers: auth });
    expect(everything.body).not.toContain('hunter2-value');
  });

  it("places routers' access lines in the app's stream at their time, and drops lines of unknown apps", async () => {
    const { plane } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'web' } });
    const time = Date.UTC(2026, 10, 29, 18, 0, 0, 123) + 0.456;
    const report = await plane.api.inject({
      method: 'POST',
      url: '/router/reports',
      headers: auth,
      payload: {
        router: 'r1',
        dropped: 0,
        metrics: [],
        lines: [
          { app: 'web', time, line: 'at=info method=GET path="/" status=200' },
          { app: 'ghost', time, line: 'at=info method=GET path="/x" status=404' },
        ],
      },
    });
    expect(report.statusCode).toBe(204);
    await committed();
    expect(await logs(plane, 'web')).toEqual([
      { seq: 1, time: '2026-11-29T18:00:00.123456+00:00', source: 'paas', dyno: 'router', message: 'at=info method=GET path="/" status=200' },
    ]);
  });

  it('refuses bad queries and unknown apps', async () => {
    const { plane } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'shop' } });
    for (const q of ['lines=0', 'lines=1501', 'lines=ten', 'source=heroku', 'dyno=WEB.1', 'dyno=a%20b', 'after=-1', 'tail=maybe', 'other=1']) {
      const res = await plane.api.inject({ url: `/apps/shop/logs?${q}`, headers: auth });
      expect(res.statusCode, q).toBe(422);
      expect(res.json().id).toBe('invalid_params');
    }
    expect((await plane.api.inject({ url: '/apps/nope/logs', headers: auth })).statusCode).toBe(404);
    expect((await plane.api.inject({ url: '/apps/shop/logs' })).statusCode).toBe(401);
  });

  it('streams new lines to a tailing client over a real connection', async () => {
    const { plane } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'live' } });
    const address = await plane.api.listen({ port: 0, host: '127.0.0.1' });
    const received: LogLine[] = [];
    const url = new URL('/apps/live/logs?tail=true', address);
    const done = new Promise<void>((resolve, reject) => {
      const req = request(url, { headers: auth }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          for (const l of text.split('\n').slice(0, -1)) {
            const r = JSON.parse(l) as LogRecord;
            if ('seq' in r && !received.some((x) => x.seq === r.seq)) received.push(r);
          }
          if (received.length >= 2) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (err) => (received.length >= 2 ? resolve() : reject(err)));
      req.end();
    });
    await new Promise((r) => setTimeout(r, 50));
    await plane.api.inject({ method: 'POST', url: '/router/reports', headers: auth, payload: { router: 'r', dropped: 0, metrics: [], lines: [{ app: 'live', time: Date.now(), line: 'first' }] } });
    await plane.api.inject({ method: 'POST', url: '/router/reports', headers: auth, payload: { router: 'r', dropped: 0, metrics: [], lines: [{ app: 'live', time: Date.now(), line: 'second' }] } });
    await done;
    expect(received.map((l) => l.message)).toEqual(['first', 'second']);
  });

  it('manages drains in Heroku shapes: validated URLs, at most 5, removal by URL or id', async () => {
    const { plane } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'shop' } });
    const add = (url: string) => plane.api.inject({ method: 'POST', url: '/apps/shop/log-drains', headers: auth, payload: { url } });
    const first = await add('syslog://127.0.0.1:1');
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), url: 'syslog://127.0.0.1:1', token: expect.stringMatching(/^d\.[0-9a-f-]{36}$/), created_at: expect.any(String) });
    expect((await add('syslog://127.0.0.1:1')).json()).toMatchObject({ id: 'invalid_params', message: expect.stringContaining('already') });
    for (const bad of ['ftp://x/y', 'syslog://nohost', 'not a url']) expect((await add(bad)).statusCode, bad).toBe(422);
    for (let i = 2; i <= 5; i++) expect((await add(`https://127.0.0.1:1/d${i}`)).statusCode).toBe(201);
    expect((await add('https://127.0.0.1:1/d6')).json().message).toMatch(/at most 5/);
    const listed = (await plane.api.inject({ url: '/apps/shop/log-drains', headers: auth })).json<LogDrain[]>();
    expect(listed).toHaveLength(5);
    const byUrl = await plane.api.inject({ method: 'DELETE', url: `/apps/shop/log-drains/${encodeURIComponent('syslog://127.0.0.1:1')}`, headers: auth });
    expect(byUrl.json()).toMatchObject({ id: first.json().id });
    const byId = await plane.api.inject({ method: 'DELETE', url: `/apps/shop/log-drains/${listed[1]!.id}`, headers: auth });
    expect(byId.statusCode).toBe(200);
    expect((await plane.api.inject({ method: 'DELETE', url: `/apps/shop/log-drains/${listed[1]!.id}`, headers: auth })).statusCode).toBe(404);
    expect((await plane.api.inject({ url: '/apps/shop/log-drains', headers: auth })).json()).toHaveLength(3);
  });

  it('says in the app log how many router lines a router had to drop (L10), and refuses bad counts', async () => {
    const { plane } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'busy' } });
    const report = (droppedByApp: unknown) =>
      plane.api.inject({ method: 'POST', url: '/router/reports', headers: auth, payload: { router: 'r', dropped: 7, droppedByApp, metrics: [], lines: [] } });
    expect((await report({ busy: 7, 'no-such-app': 3 })).statusCode).toBe(204);
    await committed();
    expect((await logs(plane, 'busy')).map((l) => `${l.dyno}: ${l.message}`)).toEqual([
      'router: Error L10 (output buffer overflow): 7 router lines dropped while the control plane could not take them.',
    ]);
    expect((await report({ busy: 0 })).statusCode).toBe(422);
    expect((await report({ busy: 'x' })).statusCode).toBe(422);
  });

  it("forgets a destroyed app's lines", async () => {
    const { plane } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'gone' } });
    await plane.api.inject({ method: 'POST', url: '/router/reports', headers: auth, payload: { router: 'r', dropped: 0, metrics: [], lines: [{ app: 'gone', time: Date.now(), line: 'x' }] } });
    await committed();
    expect(await logs(plane, 'gone')).toHaveLength(1);
    await plane.api.inject({ method: 'DELETE', url: '/apps/gone', headers: auth });
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'gone' } });
    expect(await logs(plane, 'gone')).toEqual([]);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appName, copyFixture, dockerDynos } from './support/apps.js';
import { httpsGet, timedChunks, websocketEcho } from './support/clients.js';
import { get, until } from './support/http.js';
import { startLoad } from './support/load.js';
import { Platform } from './support/platform.js';

describe('router with real dynos', () => {
  const platform = new Platform();
  const apps: string[] = [];
  const dirs: string[] = [];
  let app = '';
  let dir = '';

  beforeAll(async () => {
    await platform.start();
    app = appName('e2e-router');
    dir = copyFixture('router-probe');
    dirs.push(dir);
    await platform.paasOk(['apps:create', app], { cwd: dir });
    apps.push(app);
    await platform.paasOk(['push'], { cwd: dir });
  });

  afterAll(async () => {
    for (const a of apps) await platform.paas(['apps:destroy', a, '--confirm', a]);
    await platform.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const via = (host: string, path = '/', timeoutMs = 10_000) => get(platform.routerPort, host, path, { timeoutMs });

  it('routes custom and wildcard domains, the most specific first, case and port ignored', async () => {
    const other = appName('e2e-other');
    const otherDir = copyFixture('node-basic');
    dirs.push(otherDir);
    await platform.paasOk(['apps:create', other], { cwd: otherDir });
    apps.push(other);
    await platform.paasOk(['push'], { cwd: otherDir });

    await platform.paasOk(['domains:add', '-a', app, `www.${app}.test`]);
    await platform.paasOk(['domains:add', '-a', app, `*.${app}.test`]);
    await platform.paasOk(['domains:add', '-a', other, `api.${app}.test`]);
    const taken = await platform.paas(['domains:add', '-a', other, `www.${app}.test`]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/already added to an app/);

    await until('custom domains routed', () => via(`WWW.${app}.test:8080`), (r) => r.body.startsWith('dyno web.'), 5000);
    expect((await via(`anything.${app}.test`)).body).toMatch(/^dyno web\.\d$/);
    expect((await via(`deep.er.${app}.test`)).body).toMatch(/^dyno web\.\d$/);
    expect((await via(`api.${app}.test`)).body).toBe('node-basic v1');
    expect((await via(`${app}.test`)).status).toBe(404);
    const domains = JSON.parse((await platform.paasOk(['domains', '-a', app, '--json'])).stdout);
    expect(domains.map((d: { hostname: string }) => d.hostname)).toEqual([`${app}.localhost`, `*.${app}.test`, `www.${app}.test`]);

    await platform.paasOk(['domains:remove', '-a', other, `api.${app}.test`]);
    await until('the removed domain to fall back to the wildcard', () => via(`api.${app}.test`), (r) => r.body.startsWith('dyno web.'), 5000);
  });

  it('streams server-sent events as they are sent, proxies WebSockets, and answers a slow handler with H12 at 30 s', async () => {
    const started = performance.now();
    const slow = via(`${app}.localhost`, '/sleep?ms=35000', 40_000).then((r) => ({ ...r, after: performance.now() - started }));

    const sse = await timedChunks(platform.routerPort, `${app}.localhost`, '/sse');
    expect(sse.status).toBe(200);
    const events = sse.chunks.filter((c) => c.text.includes('data: event'));
    expect(events.length).toBe(3);
    // Each event arrived on its own, about 300 ms apart, well before the response ended.
    expect(events[0]!.at).toBeLessThan(sse.endedAt - 400);
    expect(events[1]!.at - events[0]!.at).toBeGreaterThan(150);

    expect(await websocketEcho(platform.routerPort, `${app}.localhost`, 'hello')).toMatch(/^echo web\.\d: hello$/);

    const timedOut = await slow;
    expect(timedOut.status).toBe(503);
    expect(timedOut.after).toBeGreaterThan(29_500);
    expect(timedOut.after).toBeLessThan(34_000);
    expect(timedOut.body).toMatch(/did not answer in time/);
    const routerLog = await until(
      'the H12 line in the app log',
      () => platform.paasOk(['logs', '-a', app, '--dyno', 'router', '-n', '50']),
      (r) => r.stdout.includes('code=H12'),
      10_000,
    );
    expect(routerLog.stdout).toMatch(/paas\[router\]: at=error code=H12 desc="Request timeout" method=GET path="\/sleep\?ms=35000"/);
  }, 60_000);

  it('spreads load over 3 web dynos; killing one during load fails at most the requests inside it', async () => {
    await platform.paasOk(['ps:scale', '-a', app, 'web=3']);
    const reached = new Set<string>();
    await until('the router to reach all 3 dynos (route changes arrive within a second)', async () => {
      reached.add((await via(`${app}.localhost`)).body);
      return reached.size;
    }, (n) => n === 3, 2000);
    const seen = new Map<string, number>();
    for (let i = 0; i < 90; i++) {
      const body = (await via(`${app}.localhost`)).body;
      seen.set(body, (seen.get(body) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['dyno web.1', 'dyno web.2', 'dyno web.3']);
    for (const n of seen.values()) expect(n).toBeGreaterThan(10);

    const concurrency = 8;
    const load = startLoad(platform.routerPort, `${app}.localhost`, { concurrency });
    await until('traffic to flow', async () => load.report.total, (n) => n >= 100);
    const victim = dockerDynos(app).find((d) => d.dyno === 'web.2')!;
    execFileSync('docker', ['kill', victim.id]);
    await until('web.2 replaced', async () => dockerDynos(app), (ds) => ds.some((d) => d.dyno === 'web.2' && d.id !== victim.id), 10_000);
    const before = load.report.total;
    await until('more traffic after the replacement', async () => load.report.total, (n) => n >= before + 200);
    const report = await load.stop();
    // Only requests already inside the killed dyno can fail: at most one per client connection.
    expect(report.failures.length).toBeLessThanOrEqual(concurrency);
    await platform.paasOk(['ps:scale', '-a', app, 'web=1']);
  });

  it('serves a maintenance page (503) and then the app again', async () => {
    await platform.paasOk(['maintenance:on', '-a', app]);
    const page = await until('maintenance page', () => via(`${app}.localhost`), (r) => r.status === 503, 5000);
    expect(page.body).toMatch(/maintenance/i);
    expect((await platform.paasOk(['maintenance', '-a', app])).stdout.trim()).toBe('on');
    await platform.paasOk(['maintenance:off', '-a', app]);
    await until('the app again', () => via(`${app}.localhost`), (r) => r.status === 200, 5000);
  });

  it('terminates TLS with the certificate added for a custom domain (SNI) and says https', async () => {
    const certDir = mkdtempSync(join(tmpdir(), 'paas-e2e-tls-'));
    dirs.push(certDir);
    const host = `secure.${app}.example`;
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${host}`,
      '-addext', `subjectAltName=DNS:${host}`, '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
    ], { stdio: 'ignore' });
    await platform.paasOk(['domains:add', '-a', app, host]);
    const added = await platform.paasOk(['certs:add', '-a', app, join(certDir, 'cert.pem'), join(certDir, 'key.pem')]);
    expect(added.stdout).toContain(`serves ${host}`);
    const ca = readFileSync(join(certDir, 'cert.pem'), 'utf8');
    const res = await until('HTTPS with the new certificate', () => httpsGet(platform.tlsPort, host, '/headers', ca), (r) => r.status === 200, 10_000);
    const headers = JSON.parse(res.body);
    expect(headers['x-forwarded-proto']).toBe('https');
    expect(headers['x-forwarded-port']).toBe(String(platform.tlsPort));
    expect(headers.host).toBe(host);
  });

  it('fails no request under continuous load through push, config:set and a restart', async () => {
    const load = startLoad(platform.routerPort, `${app}.localhost`, { concurrency: 50 });
    await until('traffic to flow', async () => load.report.total, (n) => n >= 200);
    await platform.paasOk(['push'], { cwd: dir });
    await platform.paasOk(['config:set', '-a', app, 'UNDER_LOAD=yes']);
    await platform.paasOk(['ps:restart', '-a', app]);
    const report = await load.stop();
    expect(report.failures).toEqual([]);
    expect(report.total).toBeGreaterThan(1000);
    expect(dockerDynos(app).map((d) => d.release)).toEqual(['3']); // push v2, config:set v3; a restart makes no release
  }, 120_000);
});

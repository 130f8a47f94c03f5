import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogDrain, LogLine } from '@paas/core';
import { appName, copyFixture } from './support/apps.js';
import { CliProcess } from './support/cli-process.js';
import { deployedApp } from './support/deployed-app.js';
import { HttpsReceiver, SyslogReceiver, selfSignedCert } from './support/drain-receivers.js';
import { until } from './support/http.js';
import { Platform } from './support/platform.js';

const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 (app|paas)\[[a-z0-9._-]+\]: /;
const tickOf = (message: string) => Number(/^tick (\d+)( \S+)?$/.exec(message)?.[1] ?? NaN);

describe('app logs: paas logs, --tail, filters, restarts, drains', () => {
  const certDir = mkdtempSync(join(tmpdir(), 'paas-e2e-drain-'));
  const tls = selfSignedCert(certDir);
  const https = new HttpsReceiver(tls);
  const syslog = new SyslogReceiver();
  // Drains over TLS trust the test's self-signed certificate through PAAS_DRAIN_CA_FILE.
  const platform = new Platform({ PAAS_DRAIN_CA_FILE: tls.certFile });
  const app = appName('e2e-logs');
  const dir = copyFixture('log-ticker');
  const tails: CliProcess[] = [];

  beforeAll(async () => {
    await Promise.all([platform.start(), https.start(), syslog.start()]);
    await platform.paasOk(['apps:create', app], { cwd: dir });
    await platform.paasOk(['push'], { cwd: dir });
  });

  afterAll(async () => {
    for (const t of tails) await t.stop();
    await platform.paas(['apps:destroy', app, '--confirm', app]);
    await platform.stop();
    await Promise.all([https.stop(), syslog.stop()]);
    rmSync(dir, { recursive: true, force: true });
    rmSync(certDir, { recursive: true, force: true });
  });

  const logs = async (args: string[]) => (await platform.paasOk(['logs', '-a', app, ...args])).stdout.split('\n').filter(Boolean);
  const json = async (args: string[]) => (await logs([...args, '--json'])).map((l) => JSON.parse(l) as LogLine);
  const tail = (args: string[]) => {
    const t = new CliProcess(platform, ['logs', '--tail', '-a', app, ...args]);
    tails.push(t);
    return t;
  };

  it('-n, --source, --dyno and --json select the right lines; bad options are refused', async () => {
    const five = await logs(['-n', '5']);
    expect(five).toHaveLength(5);
    for (const l of five) expect(l).toMatch(LINE);
    const appLines = await until('20 app lines', () => logs(['-n', '20', '--source', 'app']), (ls) => ls.length === 20, 30_000);
    expect(appLines.every((l) => / app\[web\.1\]: /.test(l))).toBe(true);
    const platformWeb = await logs(['--source', 'paas', '--dyno', 'web.1']);
    expect(platformWeb.join('\n')).toMatch(/paas\[web\.1\]: Starting process with command `.+`\n.*paas\[web\.1\]: State changed from starting to up/);
    expect(await logs(['--source', 'paas', '--dyno', 'api'])).toEqual([
      expect.stringMatching(/paas\[api\]: Build started by admin@localhost$/),
      expect.stringMatching(/paas\[api\]: Deploy [0-9a-f]{7} by admin@localhost$/),
      expect.stringMatching(/paas\[api\]: Release v1 created by admin@localhost$/),
      expect.stringMatching(/paas\[api\]: Build succeeded$/),
    ]);
    const structured = await json(['-n', '20']);
    expect(structured).toHaveLength(20);
    expect(Object.keys(structured[0]!).sort()).toEqual(['dyno', 'message', 'seq', 'source', 'time']);
    expect(structured.map((l) => l.seq)).toEqual(structured.map((_, i) => structured[0]!.seq + i));

    const builds = JSON.parse((await platform.paasOk(['builds', '-a', app, '--json'])).stdout) as { id: string; status: string }[];
    expect(builds.map((b) => b.status)).toEqual(['succeeded']);
    expect((await platform.paasOk(['builds:output', '-a', app])).stdout).toContain('-----> Launching...');
    expect((await platform.paasOk(['builds:output', builds[0]!.id, '-a', app])).stdout).toMatch(/Released v1/);

    for (const [args, message] of [
      [['-n', '0'], /-n must be an integer from 1 to 1500/],
      [['-n', '1501'], /1500/],
      [['--source', 'heroku'], /--source must be app or paas/],
      [['--dyno', 'web 1'], /--dyno/],
    ] as const) {
      const res = await platform.paas(['logs', '-a', app, ...args]);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(message);
    }
  });

  it('--tail shows app lines, router lines of requests made meanwhile and a config change (names only), in order', async () => {
    const text = tail(['-n', '1']);
    await text.waitFor('app lines', (ls) => ls.some((l) => / app\[web\.1\]: tick \d+/.test(l)));

    const marker = `/marker-${randomBytes(4).toString('hex')}`;
    expect((await platform.request(app, marker)).status).toBe(200);
    await text.waitFor('the router line of the request', (ls) => ls.some((l) => l.includes(' paas[router]: ') && l.includes(`path="${marker}"`)));
    const secret = `s3cret-${randomBytes(6).toString('hex')}`;
    await platform.paasOk(['config:set', '-a', app, `SECRET_MARK=${secret}`]);
    await text.waitFor('the new dyno to be up', (ls) => ls.some((l) => / paas\[web\.1\]: State changed from starting to up$/.test(l)));

    const out = text.lines();
    const at = (re: RegExp) => out.findIndex((l) => re.test(l));
    const firstTick = at(/ app\[web\.1\]: tick \d+/);
    const appMarker = at(new RegExp(` app\\[web\\.1\\]: request ${marker}$`));
    const routerMarker = at(new RegExp(` paas\\[router\\]: at=info method=GET path="${marker}" host=\\S+ request_id=\\S+ .*status=200`));
    const setLine = at(/ paas\[api\]: Set SECRET_MARK config vars by admin@localhost$/);
    const release = at(/ paas\[api\]: Release v\d+ created by admin@localhost$/);
    const starting = out.findIndex((l, i) => i > release && / paas\[web\.1\]: Starting process with command /.test(l));
    expect([firstTick, appMarker, routerMarker, setLine, release, starting].every((i) => i >= 0), out.join('\n')).toBe(true);
    expect(firstTick < appMarker && appMarker < routerMarker && routerMarker < setLine && setLine < release && release < starting).toBe(true);
    for (const l of out) expect(l).toMatch(LINE);
    expect(text.stdout).not.toContain(secret);
    expect(await text.stop()).toBe(0);

    const router = await logs(['--dyno', 'router']);
    expect(router.length).toBeGreaterThan(0);
    expect(router.every((l) => / paas\[router\]: at=/.test(l))).toBe(true);
  });

  it('--tail resumes across a control-plane SIGKILL without losing or repeating a line', async () => {
    const text = tail(['-n', '1']);
    const structured = tail(['-n', '1', '--json']);
    const seen = () => structured.lines().map((l) => JSON.parse(l) as LogLine);
    await structured.waitFor('the tail to stream', (ls) => ls.length > 0);
    // The new release's dyno labels its ticks, to tell them from the old dyno's.
    await platform.paasOk(['config:set', '-a', app, 'TICK_LABEL=v3']);
    await structured.waitFor('ticks of the new dyno', () => seen().some((l) => l.message.endsWith(' v3')));

    // The control plane dies (no flush, no goodbye) and comes back while both tails run.
    const beforeKill = seen().at(-1)!.seq;
    const printed = text.lines().length;
    await platform.killPaasd();
    await new Promise((r) => setTimeout(r, 1000)); // the dyno keeps logging meanwhile
    await platform.startPaasd();
    const ticksAfter = () => seen().filter((l) => l.seq > beforeKill && l.message.endsWith(' v3')).length;
    await structured.waitFor('app lines after the restart', () => ticksAfter() > 15, 60_000);
    await text.waitFor('the text tail to resume', (ls) => ls.length > printed + 15, 30_000);
    expect(text.stderr).toMatch(/reconnecting/);

    const lines = seen();
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => lines[0]!.seq + i)); // every line exactly once
    // The new dyno's ticks, from its first through the outage and after, each exactly once and in order.
    const ticks = lines.filter((l) => l.source === 'app' && l.message.endsWith(' v3')).map((l) => tickOf(l.message));
    expect(ticks.length).toBeGreaterThan(15);
    expect(ticks).toEqual(ticks.map((_, i) => i + 1));
    expect(await text.stop()).toBe(0);
    expect(await structured.stop()).toBe(0);
  });

  it('keeps the last lines across a control-plane SIGKILL and restart', async () => {
    const last = await json(['-n', '30']);
    await platform.killPaasd();
    await platform.startPaasd();
    const after = await json(['-n', '1500']);
    for (const line of last) expect(after).toContainEqual(line);
  });

  it('copies the lines to a syslog and an HTTPS drain; a receiver that goes down blocks nothing and is retried', async () => {
    await platform.paasOk(['drains:add', `syslog://127.0.0.1:${syslog.port}`, '-a', app]);
    await platform.paasOk(['drains:add', `https://127.0.0.1:${https.port}/drain`, '-a', app]);
    const drains = JSON.parse((await platform.paasOk(['drains', '-a', app, '--json'])).stdout) as LogDrain[];
    expect(drains.map((d) => d.url).sort()).toEqual([`https://127.0.0.1:${https.port}/drain`, `syslog://127.0.0.1:${syslog.port}`].sort());
    const token = (scheme: string) => drains.find((d) => d.url.startsWith(scheme))!.token;

    const syslogTick = new RegExp(`^<190>1 \\S+\\.\\d{6}\\+00:00 ${token('syslog').replace('.', '\\.')} app web\\.1 - - tick \\d+`);
    const httpsTick = new RegExp(`^<190>1 \\S+ ${token('https').replace('.', '\\.')} app web\\.1 - - tick \\d+`);
    await until('ticks at both drains', async () => [syslog.frames.messages.filter((m) => syslogTick.test(m)).length, https.messages.filter((m) => httpsTick.test(m)).length], ([a, b]) => a! > 3 && b! > 3, 20_000);
    expect(https.requests[0]!.headers).toMatchObject({ 'content-type': 'application/logplex-1', 'logplex-drain-token': token('https') });
    expect(Number(https.requests[0]!.headers['logplex-msg-count'])).toBe(https.requests[0]!.count);

    await syslog.stop();
    const atStop = { https: https.messages.length, syslog: syslog.frames.messages.length };
    const lastTick = async () => Math.max(...(await json(['-n', '20', '--source', 'app'])).map((l) => tickOf(l.message)).filter(Number.isFinite));
    const tickAtStop = await lastTick();
    await until('the HTTPS drain to keep receiving', async () => https.messages.length, (n) => n > atStop.https + 10, 15_000);
    await until('the stream to keep flowing', lastTick, (n) => n > tickAtStop + 10, 15_000);
    expect(syslog.frames.messages.length).toBe(atStop.syslog);

    await syslog.start(syslog.port);
    await until('the syslog drain to deliver again', async () => syslog.frames.messages.length, (n) => n > atStop.syslog + 3, 40_000);

    await platform.paasOk(['drains:remove', `syslog://127.0.0.1:${syslog.port}`, '-a', app]);
    await platform.paasOk(['drains:remove', token('https'), '-a', app]);
    expect(JSON.parse((await platform.paasOk(['drains', '-a', app, '--json'])).stdout)).toEqual([]);
    const bad = await platform.paas(['drains:add', 'ftp://example.com/x', '-a', app]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid drain URL/);
  });
});

describe('router lines while the control plane is away', () => {
  // A small bound, so that the outage below overflows it.
  const platform = new Platform({ PAAS_ROUTER_REPORT_MAX_LINES: '20' });
  const { app } = deployedApp(platform, 'node-basic', 'e2e-l10');

  it('keeps the bound of lines, and says in the app log how many it dropped (L10)', async () => {
    await platform.stopPaasd();
    for (let i = 0; i < 100; i++) expect((await platform.request(app, `/outage-${i}`)).status).toBe(200);
    await platform.startPaasd();
    const routerLines = await until(
      'the kept lines and the L10 line',
      async () =>
        (await platform.paasOk(['logs', '-a', app, '--dyno', 'router', '-n', '1500', '--json'])).stdout
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as LogLine),
      (lines) => lines.some((l) => l.message.startsWith('Error L10')),
      30_000,
    );
    const outage = routerLines.filter((l) => l.message.includes('path="/outage-'));
    expect(outage.map((l) => /path="\/outage-(\d+)"/.exec(l.message)![1])).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(routerLines.filter((l) => l.message.startsWith('Error L10')).map((l) => l.message)).toEqual([
      'Error L10 (output buffer overflow): 80 router lines dropped while the control plane could not take them.',
    ]);
  });
});

import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appName, copyFixture, dockerDynos } from './support/apps.js';
import { CliProcess } from './support/cli-process.js';
import { cannotRestartDockerd, restartDockerd } from './support/dockerd.js';
import { until } from './support/http.js';
import { startLoad } from './support/load.js';
import { Platform } from './support/platform.js';

interface DynoJson {
  id: string;
  name: string;
  type: string;
  state: string;
  command: string;
  size: string;
  release: { version: number };
  updated_at: string;
  restart_at: string | null;
  exit_code: number | null;
}

/** Recovery timings are short so the suite stays fast; cycling gets its own platform. */
const FAST = { PAAS_DYNO_BACKOFF_INITIAL_MS: '1000', PAAS_DYNO_BACKOFF_MAX_MS: '8000', PAAS_STOP_TIMEOUT_MS: '5000' };

/** The app's dynos straight from the API: polling through the CLI would be too coarse for the timings. */
async function dynosOf(platform: Platform, app: string): Promise<DynoJson[]> {
  const res = await fetch(`${platform.apiUrl}/apps/${app}/dynos`, { headers: { authorization: `Bearer ${platform.token}` } });
  if (!res.ok) throw new Error(`GET dynos: ${res.status}`);
  return (await res.json()) as DynoJson[];
}

/** Distinct bodies from fresh connections through the router (each request may pick another dyno). */
async function bodiesOver(platform: Platform, app: string, requests: number): Promise<Set<string>> {
  const bodies = new Set<string>();
  for (let i = 0; i < requests; i++) bodies.add((await platform.request(app)).body);
  return bodies;
}

const names = (dynos: { dyno: string }[]) => dynos.map((d) => d.dyno).sort();

describe('dynos', () => {
  const platform = new Platform(FAST);
  const apps: string[] = [];
  const dirs: string[] = [];
  let app: string;

  async function deploy(fixture: string, prefix: string): Promise<string> {
    const name = appName(prefix);
    const dir = copyFixture(fixture);
    dirs.push(dir);
    await platform.paasOk(['apps:create', name], { cwd: dir });
    apps.push(name);
    await platform.paasOk(['push'], { cwd: dir });
    return name;
  }

  beforeAll(async () => {
    await platform.start();
    app = await deploy('dynos', 'e2e-dynos');
  });

  afterAll(async () => {
    for (const a of apps) await platform.paas(['apps:destroy', a, '--confirm', a]);
    await platform.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('ps:scale web=3 worker=1 runs exactly those dynos, spreads requests over the web ones, and scales down cleanly', async () => {
    const scaled = await platform.paasOk(['ps:scale', 'web=3', 'worker=1', '-a', app]);
    expect(scaled.stdout).toContain('now running web at 3:Basic, worker at 1:Basic');
    expect(names(dockerDynos(app))).toEqual(['web.1', 'web.2', 'web.3', 'worker.1']);
    const seen = await until('requests to reach all three web dynos', () => bodiesOver(platform, app, 30), (b) => {
      const dynos = new Set([...b].map((body) => body.split(' ')[0]));
      return dynos.size === 3;
    }, 20_000);
    expect(new Set([...seen].map((body) => body.split(' ')[0]))).toEqual(new Set(['web.1', 'web.2', 'web.3']));

    const load = startLoad(platform.routerPort, `${app}.localhost`, { concurrency: 4 });
    await until('traffic to flow', async () => load.report.total, (n) => n >= 20);
    await platform.paasOk(['ps:scale', 'web-2', 'worker=0', '-a', app]);
    const report = await load.stop();
    expect(report.failures).toEqual([]);
    expect(names(dockerDynos(app))).toEqual(['web.1']);
    const ps = JSON.parse((await platform.paasOk(['ps', '-a', app, '--json'])).stdout) as DynoJson[];
    expect(ps.map((d) => `${d.name}:${d.state}`)).toEqual(['web.1:up']);
    expect(ps[0]).toMatchObject({ command: 'node web.js', release: { version: 1 }, size: 'basic' });

    // A size with the count: the dynos are replaced (with preboot, so nothing fails) with the new limits.
    const resizing = startLoad(platform.routerPort, `${app}.localhost`, { concurrency: 2 });
    await until('traffic to flow', async () => resizing.report.total, (n) => n >= 10);
    await platform.paasOk(['ps:scale', 'web=2:standard-2x', '-a', app]);
    expect((await resizing.stop()).failures).toEqual([]);
    const memory = dockerDynos(app).map((d) => execFileSync('docker', ['inspect', '-f', '{{.HostConfig.Memory}}', d.id]).toString().trim());
    expect(memory).toEqual([String(1024 * 1024 * 1024), String(1024 * 1024 * 1024)]);
    const back = await platform.paasOk(['ps:scale', 'web=1:basic', '-a', app]);
    expect(back.stdout).toContain('now running web at 1:Basic');
    expect(names(dockerDynos(app))).toEqual(['web.1']);
  });

  it('replaces a killed web dyno within 2 s, and paas ps shows the new one', async () => {
    await until('web.1 to be up', () => dynosOf(platform, app), (d) => d.some((x) => x.name === 'web.1' && x.state === 'up'));
    const [old] = dockerDynos(app);
    const killedAt = Date.now();
    execFileSync('docker', ['kill', old!.id]);
    const fresh = await until('a new web.1 to be up', () => dynosOf(platform, app), (d) => d.some((x) => x.name === 'web.1' && x.state === 'up' && x.id !== old!.id), 10_000);
    const elapsed = Date.now() - killedAt;
    expect(elapsed).toBeLessThan(2_000);
    const replacement = fresh.find((x) => x.name === 'web.1' && x.state === 'up')!;
    expect((await platform.request(app)).body).toBe(`web.1 ${replacement.id.slice(0, 12)}`);
    const ps = await platform.paasOk(['ps', '-a', app]);
    expect(ps.stdout).toMatch(/web\.1: up /);
    expect(JSON.parse((await platform.paasOk(['ps', '-a', app, '--json'])).stdout)).toMatchObject([{ name: 'web.1', id: replacement.id, state: 'up' }]);
  });

  it('restarts an app that always crashes with growing delays, shown by paas ps, and the router answers H10 meanwhile', async () => {
    const crashing = await deploy('crashing-web', 'e2e-crashing');
    // Every crash as the API shows it, polled apart from the slower checks below so none is missed.
    const delays = new Map<string, number>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const [dyno] = await dynosOf(platform, crashing).catch(() => []);
        if (dyno?.state === 'crashed' && dyno.restart_at) delays.set(dyno.id, Date.parse(dyno.restart_at) - Date.parse(dyno.updated_at));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      const ps = await until('paas ps to show a crash and the next attempt', () => platform.paasOk(['ps', '-a', crashing]).then((r) => r.stdout), (out) => out.includes('next attempt in'), 30_000);
      expect(ps).toMatch(/web\.1: crashed .*\(exit 1, next attempt in \d+s, at /);
      const answer = await until('the router to answer 503 while web.1 is crashed', () => platform.request(crashing), (r) => r.status === 503, 30_000);
      expect(answer.body).toContain('Application error');
      // The router's access line in the app's logs names the code: H10, App crashed (not H14, or a refused connection).
      const routerLog = await until(
        'the router’s H10 line',
        async () => (await platform.paasOk(['logs', '-a', crashing, '-d', 'router', '-n', '200'])).stdout,
        (out) => out.includes('code=H10'),
        15_000,
      );
      expect(routerLog).toMatch(/paas\[router\]: at=error code=H10 desc="App crashed".* status=503/);
      await until('three cool-offs', async () => [...delays.values()].filter((d) => d > 0), (d) => d.length >= 3, 60_000);
    } finally {
      watching = false;
      await watcher;
    }
    // 1 s, then doubling (PAAS_DYNO_BACKOFF_INITIAL_MS); a millisecond may pass between the two timestamps.
    const growing = [...delays.values()].filter((d) => d > 0).map((d) => Math.round(d / 100) * 100);
    expect(growing[0]).toBe(1_000);
    for (let i = 1; i < growing.length; i++) {
      expect(growing[i]).toBeGreaterThan(growing[i - 1]!);
      expect([2_000, 4_000, 8_000]).toContain(growing[i]);
    }
    await platform.paasOk(['apps:destroy', crashing, '--confirm', crashing]);
    apps.splice(apps.indexOf(crashing), 1);
  });

  it('paas run exits with the command’s status, passes piped stdin and stderr, sees the config, and runs detached', async () => {
    const exit3 = await platform.paas(['run', '-a', app, 'node', '-e', 'process.exit(3)']);
    expect(exit3.code).toBe(3);
    expect(exit3.stderr).toMatch(/Running .*node -e 'process.exit\(3\)'.* on .*up, run\.1/s);

    const piped = await platform.paas(['run', '-a', app, 'tr', 'a-z', 'A-Z'], { input: 'hello\nworld\n' });
    expect(piped).toMatchObject({ code: 0, stdout: 'HELLO\nWORLD\n' });
    const streams = await platform.paas(['run', '-a', app, 'echo out; echo err >&2; exit 0']);
    expect(streams.stdout).toBe('out\n');
    expect(streams.stderr).toContain('err\n');

    await platform.paasOk(['config:set', '-a', app, 'GREETING=hello from config']);
    const config = await platform.paasOk(['run', '-a', app, 'echo "$GREETING on $DYNO"']);
    expect(config.stdout).toBe('hello from config on run.1\n');

    const detached = await platform.paasOk(['run:detached', '-a', app, 'sleep', '3']);
    expect(detached.stdout).toMatch(/up, run\.1/);
    const ps = await platform.paasOk(['ps', '-a', app]);
    expect(ps.stdout).toMatch(/=== run: one-off processes \(1\)\nrun\.1 \(basic\): up .*: sleep 3/);
    await until('the detached run to end and go', () => dynosOf(platform, app), (d) => !d.some((x) => x.type === 'run'), 15_000);
    expect(execFileSync('docker', ['ps', '-aq', '--filter', `label=paas.app=${app}`, '--filter', 'label=paas.kind=run']).toString().trim()).toBe('');
  });

  it('kills a dyno over its memory limit and reports it as R15', async () => {
    await platform.paasOk(['ps:scale', 'hungry=1:eco', '-a', app]);
    const crashed = await until('hungry.1 to be killed', () => dynosOf(platform, app), (d) => d.some((x) => x.name === 'hungry.1' && x.state === 'crashed'), 30_000);
    expect(crashed.find((x) => x.name === 'hungry.1')).toMatchObject({ exit_code: 137, size: 'eco' });
    const logs = await until('the R15 line', () => platform.paasOk(['logs', '-a', app, '-d', 'hungry.1', '-n', '200']).then((r) => r.stdout), (out) => out.includes('R15'), 10_000);
    expect(logs).toMatch(/paas\[hungry\.1\]: Error R15 \(Memory quota vastly exceeded\)\n.*paas\[hungry\.1\]: Stopping process with SIGKILL\n.*paas\[hungry\.1\]: Process exited with status 137/);
    await platform.paasOk(['ps:scale', 'hungry=0', '-a', app]);
  });

  it('keeps the same containers serving through a SIGKILL of the control plane', async () => {
    await platform.paasOk(['ps:scale', 'web=2', 'worker=1', '-a', app]);
    await until('both web dynos up', () => dynosOf(platform, app), (d) => d.filter((x) => x.type === 'web' && x.state === 'up').length === 2);
    const before = dockerDynos(app).map((d) => d.id).sort();
    const load = startLoad(platform.routerPort, `${app}.localhost`, { concurrency: 2 });
    await until('traffic to flow', async () => load.report.total, (n) => n >= 10);
    await platform.killPaasd();
    await platform.startPaasd();
    const ps = JSON.parse((await platform.paasOk(['ps', '-a', app, '--json'])).stdout) as DynoJson[];
    const report = await load.stop();
    expect(report.failures).toEqual([]);
    expect(ps.map((d) => `${d.name}:${d.state}`)).toEqual(['web.1:up', 'web.2:up', 'worker.1:up']);
    expect(ps.map((d) => d.id).sort()).toEqual(before);
    expect(dockerDynos(app).map((d) => d.id).sort()).toEqual(before);
  });

  const noRestart = process.env.PAAS_E2E_SKIP_DOCKERD_RESTART ? 'PAAS_E2E_SKIP_DOCKERD_RESTART is set' : cannotRestartDockerd();
  it.skipIf(noRestart !== undefined)(`brings every dyno back, routed, within 30 s of a dockerd restart${noRestart ? ` (skipped: ${noRestart})` : ''}`, async () => {
    const before = dockerDynos(app).map((d) => d.id);
    expect(before).toHaveLength(3);
    const restartedAt = Date.now();
    await restartDockerd();
    const back = await until(
      'web.1 and web.2 to answer from new containers, and worker.1 to run',
      async () => ({ bodies: await bodiesOver(platform, app, 10), running: dockerDynos(app) }),
      ({ bodies, running }) => {
        const fresh = running.filter((d) => !before.includes(d.id));
        const served = new Set([...bodies].filter((b) => fresh.some((d) => b === `${d.dyno} ${d.id.slice(0, 12)}`)).map((b) => b.split(' ')[0]));
        return fresh.length === 3 && served.size === 2;
      },
      30_000,
    );
    expect(Date.now() - restartedAt).toBeLessThan(30_000);
    expect(names(back.running)).toEqual(['web.1', 'web.2', 'worker.1']);
    const ps = JSON.parse((await platform.paasOk(['ps', '-a', app, '--json'])).stdout) as DynoJson[];
    expect(ps.map((d) => `${d.name}:${d.state}`)).toEqual(['web.1:up', 'web.2:up', 'worker.1:up']);
  });
});

describe('daily cycling', () => {
  // Dynos live 6 to 9 s here instead of a day and up to 216 minutes more.
  const platform = new Platform({ ...FAST, PAAS_DYNO_MAX_AGE_MS: '6000', PAAS_DYNO_CYCLE_JITTER_MS: '3000' });
  let app = '';
  let dir = '';

  beforeAll(async () => {
    await platform.start();
  });

  afterAll(async () => {
    if (app) await platform.paas(['apps:destroy', app, '--confirm', app]);
    await platform.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('replaces every dyno, one web dyno at a time, under continuous requests without failing one', async () => {
    app = appName('e2e-cycling');
    dir = copyFixture('dynos');
    await platform.paasOk(['apps:create', app], { cwd: dir });
    await platform.paasOk(['push'], { cwd: dir });
    await platform.paasOk(['ps:scale', 'web=2', 'worker=1', '-a', app]);
    await until('both web dynos up', () => dynosOf(platform, app), (d) => d.filter((x) => x.type === 'web' && x.state === 'up').length === 2);
    const first = dockerDynos(app).map((d) => d.id);
    // Followed as they come: under load, the router's lines soon push older lines out of the app's buffer.
    const tails = ['web', 'worker'].map((type) => new CliProcess(platform, ['logs', '--tail', '-a', app, '-d', type, '-n', '1']));
    const load = startLoad(platform.routerPort, `${app}.localhost`, { concurrency: 4 });
    let mostBootingAtOnce = 0;
    await until('every first-generation dyno to be replaced', async () => {
      const dynos = await dynosOf(platform, app);
      mostBootingAtOnce = Math.max(mostBootingAtOnce, dynos.filter((d) => d.type === 'web' && d.state === 'starting').length);
      return dockerDynos(app);
    }, (running) => running.length === 3 && running.every((d) => !first.includes(d.id)), 45_000);
    const report = await load.stop();
    expect(report.failures).toEqual([]);
    expect(report.total).toBeGreaterThan(100);
    // Never were both web dynos being replaced at once.
    expect(mostBootingAtOnce).toBeLessThanOrEqual(1);
    const cycled = (dyno: string) => (lines: string[]) => lines.some((l) => l.endsWith(`paas[${dyno}]: Cycling`));
    try {
      await tails[0]!.waitFor('web.1 and web.2 to log Cycling', (lines) => cycled('web.1')(lines) && cycled('web.2')(lines), 5_000);
      await tails[1]!.waitFor('worker.1 to log Cycling', cycled('worker.1'), 5_000);
    } finally {
      await Promise.all(tails.map((t) => t.stop()));
    }
  });
});

import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appName, copyFixture, dockerDynos } from './support/apps.js';
import { until } from './support/http.js';
import { startLoad } from './support/load.js';
import { Platform } from './support/platform.js';

describe('paas push to a live URL', () => {
  const platform = new Platform();
  const apps: string[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    await platform.start();
  });

  afterAll(async () => {
    for (const app of apps) await platform.paas(['apps:destroy', app, '--confirm', app]);
    await platform.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function createAndPush(fixture: string, prefix: string): Promise<{ app: string; dir: string; push: Awaited<ReturnType<Platform['paas']>> }> {
    const app = appName(prefix);
    const dir = copyFixture(fixture);
    dirs.push(dir);
    await platform.paasOk(['apps:create', app], { cwd: dir });
    apps.push(app);
    const push = await platform.paasOk(['push'], { cwd: dir });
    return { app, dir, push };
  }

  const cases = [
    { fixture: 'node-basic', prefix: 'e2e-node', body: 'node-basic v1', buildpack: 'Node.js' },
    { fixture: 'node-dep', prefix: 'e2e-dep', body: 'node-dep is-number(42)=true', buildpack: 'Node.js' },
    { fixture: 'static-site', prefix: 'e2e-static', body: 'static-site works', buildpack: 'Static' },
    { fixture: 'procfile-only', prefix: 'e2e-procfile', body: 'procfile-only python', buildpack: 'Procfile' },
  ];

  it.each(cases)('deploys $fixture with `paas push` and serves it through the router', async ({ fixture, prefix, body, buildpack }) => {
    const { app, push } = await createAndPush(fixture, prefix);
    expect(push.stdout).toMatch(new RegExp(`-----> ${buildpack}`, 'i'));
    expect(push.stdout).toContain(`Deployed v1 to http://${app}.localhost:${platform.routerPort}/`);
    expect(push.stderr).toMatch(/Uploading source\.\.\. done/);
    const res = await platform.request(app);
    expect(res.status).toBe(200);
    expect(res.body).toContain(body);
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('re-pushes changed code under continuous requests: no request fails, new code served, old dynos gone', async () => {
    const { app, dir } = await createAndPush('node-basic', 'e2e-repush');
    const before = dockerDynos(app);
    expect(before.map((d) => d.release)).toEqual(['1']);

    const load = startLoad(platform.routerPort, `${app}.localhost`, { concurrency: 4 });
    await until('traffic to flow', async () => load.report.total, (n) => n >= 20);
    writeFileSync(join(dir, 'version.json'), '{ "v": 2 }\n');
    await platform.paasOk(['push'], { cwd: dir });
    const served = await platform.request(app);
    const report = await load.stop();

    expect(served.body).toBe('node-basic v2');
    expect(report.failures).toEqual([]);
    expect(report.total).toBeGreaterThan(50);
    expect([...report.bodies.keys()].sort()).toEqual(['node-basic v1', 'node-basic v2']);
    const after = dockerDynos(app);
    expect(after.map((d) => d.release)).toEqual(['2']);
    expect(after.map((d) => d.id)).not.toContain(before[0]!.id);
  });

  it('a failing build exits non-zero with its output, and the previous release keeps serving', async () => {
    const { app } = await createAndPush('node-basic', 'e2e-fail');
    const broken = copyFixture('failing-build');
    dirs.push(broken);
    const res = await platform.paas(['push', broken, '-a', app]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('intentional build failure marker');
    expect(res.stderr).toMatch(/Build failed/);
    expect((await platform.request(app)).body).toBe('node-basic v1');
    const releases = await platform.paasOk(['releases', '-a', app, '--json']);
    expect(JSON.parse(releases.stdout).map((r: { version: number }) => r.version)).toEqual([1]);
  });

  it('answers 404 for an unknown host and 503 for an app without a running web dyno', async () => {
    const unknown = await platform.request('no-such-app-here');
    expect(unknown.status).toBe(404);
    const app = appName('e2e-blank');
    await platform.paasOk(['apps:create', app, '--no-link']);
    apps.push(app);
    const blank = await until('the router to know the new app', () => platform.request(app), (r) => r.status !== 404, 5000);
    expect(blank.status).toBe(503);
  });

  it('a build cut short by a control-plane crash is marked failed and its container removed at the next start', async () => {
    const app = appName('e2e-cut');
    const dir = copyFixture('node-basic');
    dirs.push(dir);
    // A build script that outlives the control plane.
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'cut', version: '1.0.0', scripts: { build: 'sleep 600', start: 'node server.js' } }));
    await platform.paasOk(['apps:create', app], { cwd: dir });
    apps.push(app);
    const buildContainers = () =>
      execFileSync('docker', ['ps', '-aq', '--filter', 'label=paas.kind=build', '--filter', `label=paas.platform=${platform.platformId}`], { encoding: 'utf8' }).trim();
    const push = platform.paas(['push'], { cwd: dir });
    await until('the build container to run', async () => buildContainers(), (ids) => ids !== '', 60_000);
    await platform.killPaasd();
    expect((await push).code).not.toBe(0);
    expect(buildContainers()).not.toBe('');

    await platform.startPaasd();
    expect(buildContainers()).toBe('');
    const builds = JSON.parse((await platform.paasOk(['builds', '-a', app, '--json'])).stdout) as { status: string }[];
    expect(builds.map((b) => b.status)).toEqual(['failed']);
  });

  it('keeps serving, with the same dynos, while the control plane is killed and started again', async () => {
    const { app } = await createAndPush('node-basic', 'e2e-restart');
    const before = dockerDynos(app);
    const load = startLoad(platform.routerPort, `${app}.localhost`, { concurrency: 2 });
    await platform.killPaasd();
    const whileDown = await platform.request(app);
    await platform.startPaasd();
    const ps = await platform.paasOk(['ps', '-a', app, '--json']);
    const report = await load.stop();

    expect(whileDown.body).toBe('node-basic v1');
    expect(report.failures).toEqual([]);
    expect(dockerDynos(app).map((d) => d.id)).toEqual(before.map((d) => d.id));
    expect(JSON.parse(ps.stdout)).toMatchObject([{ name: 'web.1', state: 'up', id: before[0]!.id }]);
    expect((await platform.request(app)).body).toBe('node-basic v1');
  });
});

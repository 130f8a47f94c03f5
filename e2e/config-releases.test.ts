import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appName, copyFixture } from './support/apps.js';
import { until } from './support/http.js';
import { startLoad } from './support/load.js';
import { Platform } from './support/platform.js';

interface ReleaseJson {
  version: number;
  description: string;
  status: string;
  current: boolean;
}

describe('config vars and releases', () => {
  const platform = new Platform({ PAAS_MAX_CONFIG_BYTES: '4096' });
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

  async function deployed(fixture: string, prefix: string): Promise<{ app: string; dir: string }> {
    const app = appName(prefix);
    const dir = copyFixture(fixture);
    dirs.push(dir);
    await platform.paasOk(['apps:create', app], { cwd: dir });
    apps.push(app);
    await platform.paasOk(['push'], { cwd: dir });
    return { app, dir };
  }

  const releases = async (app: string): Promise<ReleaseJson[]> => JSON.parse((await platform.paasOk(['releases', '-a', app, '--json'])).stdout);
  const env = (app: string, name: string) => platform.request(app, `/env/${name}`);

  it('serves config vars exactly (newlines and = included), unsets them, and lists every release', async () => {
    const { app } = await deployed('node-basic', 'e2e-config');
    const tricky = 'line one\nkey=value "quoted" \'single\'';
    const set = await platform.paasOk(['config:set', '-a', app, `TRICKY=${tricky}`, 'PLAIN=hello']);
    expect(set.stderr).toMatch(/done, v2/);
    expect((await env(app, 'TRICKY')).body).toBe(tricky);
    expect((await env(app, 'PLAIN')).body).toBe('hello');

    const shell = await platform.paasOk(['config', '-a', app, '--json']);
    expect(JSON.parse(shell.stdout)).toEqual({ TRICKY: tricky, PLAIN: 'hello' });
    expect((await platform.paasOk(['config:get', '-a', app, 'PLAIN'])).stdout).toBe('hello\n');

    const same = await platform.paasOk(['config:set', '-a', app, 'PLAIN=hello']);
    expect(same.stderr).toMatch(/No change/);

    await platform.paasOk(['config:unset', '-a', app, 'TRICKY']);
    expect((await env(app, 'TRICKY')).status).toBe(404);

    expect((await releases(app)).map((r) => [r.version, r.description, r.status])).toEqual([
      [3, 'Remove TRICKY config vars', 'succeeded'],
      [2, 'Set TRICKY, PLAIN config vars', 'succeeded'],
      [1, expect.stringMatching(/^Deploy [0-9a-f]{7}$/), 'succeeded'],
    ]);
  });

  it('config:set and rollback under continuous requests fail no request; rollback restores code and config without a build', async () => {
    const { app, dir } = await deployed('node-basic', 'e2e-rollback');
    await platform.paasOk(['config:set', '-a', app, 'MODE=first']); // v2: code v1, MODE=first
    writeFileSync(join(dir, 'version.json'), '{ "v": 2 }\n');
    await platform.paasOk(['push'], { cwd: dir }); // v3: code v2, MODE=first

    const load = startLoad(platform.routerPort, `${app}.localhost`, { concurrency: 4 });
    await until('traffic to flow', async () => load.report.total, (n) => n >= 20);
    await platform.paasOk(['config:set', '-a', app, 'MODE=second']); // v4
    expect((await env(app, 'MODE')).body).toBe('second');
    const releasesBefore = JSON.parse((await platform.paasOk(['releases', '-a', app, '--json'])).stdout).length;
    const rollback = await platform.paasOk(['rollback', '-a', app, 'v2']); // v5 = code v1 + MODE=first
    const report = await load.stop();

    expect(rollback.stdout).toContain('Rollback to v2... done, v5');
    expect(report.failures).toEqual([]);
    expect((await platform.request(app)).body).toBe('node-basic v1');
    expect((await env(app, 'MODE')).body).toBe('first');
    expect(JSON.parse((await platform.paasOk(['config', '-a', app, '--json'])).stdout)).toEqual({ MODE: 'first' });
    const all = await releases(app);
    expect(all).toHaveLength(releasesBefore + 1);
    expect(all[0]).toMatchObject({ version: 5, description: 'Rollback to v2', current: true });
    const builds = await fetch(`${platform.apiUrl}/apps/${app}/builds`, { headers: { authorization: `Bearer ${platform.token}` } }).then((r) => r.json());
    expect(builds).toHaveLength(2); // the two pushes; the rollback built nothing
  });

  it('a failing release phase leaves the previous release serving and the new one marked failed', async () => {
    const { app } = await deployed('release-phase', 'e2e-relphase');
    await platform.paasOk(['config:set', '-a', app, 'APP_MARK=good']);
    expect((await platform.request(app)).body).toBe('release-phase good');
    const failed = await platform.paas(['config:set', '-a', app, 'APP_MARK=bad', 'FAIL_RELEASE=1']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('release phase for bad');
    expect(failed.stderr).toMatch(/Release v3 failed/);
    expect((await platform.request(app)).body).toBe('release-phase good');
    const all = await releases(app);
    expect(all.map((r) => [r.version, r.status, r.current])).toEqual([
      [3, 'failed', false],
      [2, 'succeeded', true],
      [1, 'succeeded', false],
    ]);
    const listing = await platform.paasOk(['releases', '-a', app]);
    expect(listing.stdout).toMatch(/v3 .*release failed/);
  });

  it('refuses bad input with a clear error and a non-zero exit, changing nothing', async () => {
    const { app } = await deployed('node-basic', 'e2e-badinput');
    await platform.paasOk(['config:set', '-a', app, 'KEEP=me']);
    const snapshot = async () => ({
      config: (await platform.paasOk(['config', '-a', app, '--json'])).stdout,
      releases: (await platform.paasOk(['releases', '-a', app, '--json'])).stdout,
    });
    const before = await snapshot();
    const cases: [string[], number, RegExp][] = [
      [['config:set', '-a', app, '1BAD=x'], 2, /Invalid config var name "1BAD"/],
      [['config:set', '-a', app, 'PORT=8080'], 2, /PORT is set by the platform/],
      [['config:set', '-a', app, `HUGE=${'x'.repeat(5000)}`], 2, /over the limit of 4096 bytes/],
      [['config:set', '-a', app, 'NOVALUE'], 2, /is not KEY=VALUE/],
      [['config:set', '-a', 'no-such-app-x', 'A=1'], 4, /Couldn't find that app/],
      [['rollback', '-a', app, 'v42'], 4, /Couldn't find release/],
      [['rollback', '-a', app, 'latest'], 2, /Not a release version/],
    ];
    for (const [args, code, message] of cases) {
      const res = await platform.paas(args);
      expect(res.code, args.join(' ')).toBe(code);
      expect(res.stderr, args.join(' ')).toMatch(message);
      expect(res.stderr).not.toContain('x'.repeat(100)); // the value is never echoed back
    }
    expect(await snapshot()).toEqual(before);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appName, copyFixture, dockerDynos } from './support/apps.js';
import { until } from './support/http.js';
import { FIXTURES } from './support/paths.js';
import { Platform } from './support/platform.js';

describe('upgrades and backups', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('starts over a data directory of the first schema: migrates it, and the app serves with its data intact', async () => {
    const platform = new Platform();
    // Made by the first released version: one app, `upgraded-app`, deployed (schema 1, no users, no secrets).
    execFileSync('tar', ['-xzf', join(FIXTURES, 'upgrade/data-schema-v1.tgz'), '-C', platform.dataDir]);
    cleanups.push(async () => {
      await platform.paas(['apps:destroy', 'upgraded-app', '--confirm', 'upgraded-app']);
      await platform.stop();
    });
    await platform.start();
    const served = await until('the upgraded app to serve', () => platform.request('upgraded-app'), (r) => r.status === 200, 60_000);
    expect(served.body).toBe('node-basic v1');
    const releases = JSON.parse((await platform.paasOk(['releases', '-a', 'upgraded-app', '--json'])).stdout);
    expect(releases).toMatchObject([{ version: 1, description: 'Deploy bda86bd', status: 'succeeded', current: true }]);
    // Users came with the upgrade: the operator owns the app that existed before them.
    const access = JSON.parse((await platform.paasOk(['access', '-a', 'upgraded-app', '--json'])).stdout);
    expect(access).toMatchObject([{ role: 'owner', user: { email: 'admin@localhost' } }]);
    await platform.paasOk(['config:set', '-a', 'upgraded-app', 'AFTER_UPGRADE=yes']);
    expect((await platform.request('upgraded-app', '/env/AFTER_UPGRADE')).body).toBe('yes');
  }, 180_000);

  it('backs up while serving, and a restore on a clean data directory and engine brings the app back', async () => {
    const source = new Platform();
    await source.start();
    const app = appName('e2e-backup');
    const dir = copyFixture('node-basic');
    await source.paasOk(['apps:create', app], { cwd: dir });
    await source.paasOk(['push'], { cwd: dir });
    await source.paasOk(['config:set', '-a', app, 'KEPT=in-the-backup']);
    await source.paasOk(['ps:scale', '-a', app, 'web=2']);
    const backupDir = mkdtempSync(join(tmpdir(), 'paas-backup-e2e-'));
    const file = join(backupDir, 'paas-backup.tgz');
    const made = await source.paasdCommand(['backup', file]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/1 slugs/);

    // A fresh machine: the old platform is gone, and so are its dynos and images (the stack stays).
    await source.paas(['apps:destroy', app, '--confirm', app]);
    await source.stop();
    expect(dockerDynos(app)).toEqual([]);
    expect(execFileSync('docker', ['images', '-q', `paas-slug/${app}`]).toString().trim()).toBe('');

    const target = new Platform();
    const restored = await target.paasdCommand(['restore', file]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/Restored 1 apps and 1 slugs/);
    cleanups.push(async () => {
      await target.paas(['apps:destroy', app, '--confirm', app]);
      await target.stop();
      rmSync(backupDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    });
    await target.start();
    const served = await until('the restored app to serve', () => target.request(app), (r) => r.status === 200, 60_000);
    expect(served.body).toBe('node-basic v1');
    expect((await target.request(app, '/env/KEPT')).body).toBe('in-the-backup');
    await until('both web dynos', async () => dockerDynos(app).length, (n) => n === 2, 30_000);
    const releases = JSON.parse((await target.paasOk(['releases', '-a', app, '--json'])).stdout);
    expect(releases.map((r: { version: number }) => r.version)).toEqual([2, 1]);
  }, 180_000);
});

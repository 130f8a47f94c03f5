import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appName, copyFixture } from './support/apps.js';
import { Platform } from './support/platform.js';

describe('disk hygiene: slug retention', () => {
  const platform = new Platform({ PAAS_RELEASE_RETENTION: '3' });
  const app = appName('e2e-retain');
  let dir = '';

  beforeAll(async () => {
    await platform.start();
    dir = copyFixture('node-basic');
    await platform.paasOk(['apps:create', app], { cwd: dir });
  });

  afterAll(async () => {
    await platform.paas(['apps:destroy', app, '--confirm', app]);
    await platform.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const slugFiles = () => readdirSync(join(platform.dataDir, 'slugs')).filter((f) => f.endsWith('.tgz')).sort();
  const slugImages = () =>
    execFileSync('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', `paas-slug/${app}`]).toString().split('\n').filter(Boolean);

  it('keeps only the slugs of the last 3 releases after 10 pushes; rollback works within, and not beyond', async () => {
    for (let v = 1; v <= 10; v++) {
      writeFileSync(join(dir, 'version.json'), JSON.stringify({ v }));
      await platform.paasOk(['push'], { cwd: dir });
    }
    expect((await platform.request(app)).body).toBe('node-basic v10');
    expect(slugFiles()).toHaveLength(3);
    expect(slugImages()).toHaveLength(3);

    const dry = JSON.parse((await platform.paasOk(['admin:gc', '--dry-run', '--json'])).stdout);
    expect(dry.items.filter((i: { kind: string }) => i.kind === 'slug')).toEqual([]);

    const within = await platform.paasOk(['rollback', '-a', app, 'v8']);
    expect(within.stdout).toContain('Rollback to v8... done, v11');
    expect((await platform.request(app)).body).toBe('node-basic v8');
    // v11 uses v8's slug: still 3 distinct slugs (v9, v10, v8) for the newest 3 releases (v9, v10, v11).
    expect(slugFiles()).toHaveLength(3);

    const beyond = await platform.paas(['rollback', '-a', app, 'v2']);
    expect(beyond.code).not.toBe(0);
    expect(beyond.stderr).toMatch(/v2 is older than the releases kept for rollback/);
    expect((await platform.request(app)).body).toBe('node-basic v8');

    const info = JSON.parse((await platform.paasOk(['apps:info', '-a', app, '--json'])).stdout);
    expect(info.disk_usage.slugs).toBe(3);
    expect(info.disk_usage.slugs_bytes).toBeGreaterThan(0);
  }, 180_000);
});

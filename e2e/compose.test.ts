import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appName, copyFixture } from './support/apps.js';
import { get, until } from './support/http.js';
import { REPO_ROOT } from './support/paths.js';
import { Platform, freePort } from './support/platform.js';

const run = promisify(execFile);

describe('docker-compose runs the whole platform as containers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'paas-compose-'));
  const project = `paase2e${Math.random().toString(36).slice(2, 8)}`;
  const env: Record<string, string> = {};
  const compose = (...args: string[]) =>
    run('docker-compose', ['-p', project, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  // Only used for its CLI runner and temp dirs; paasd and the router come from compose.
  const cli = new Platform();
  const app = appName('e2e-compose');
  const dir = copyFixture('node-basic');

  beforeAll(async () => {
    // No STACK_IMAGE: the compose file's default, paas/stack:current, tagged by `paasd stack:ensure`
    // (scripts/test.sh runs it), is what users get.
    if (!process.env.PAAS_TEST_STACK_IMAGE) throw new Error('PAAS_TEST_STACK_IMAGE is not set: run the tests through scripts/test.sh');
    Object.assign(env, {
      PAAS_DATA_DIR: dataDir,
      PAAS_API_PORT: String(await freePort()),
      PAAS_ROUTER_PORT: String(await freePort()),
      PAAS_ROUTER_TLS_PORT: String(await freePort()),
      PAAS_PLATFORM_ID: `e2e-${project}`,
    });
    cli.apiPort = Number(env.PAAS_API_PORT);
    cli.routerPort = Number(env.PAAS_ROUTER_PORT);
    await compose('up', '-d', '--build');
  }, 300_000);

  afterAll(async () => {
    await cli.paas(['apps:destroy', app, '--confirm', app], { env: { PAAS_API_TOKEN: token() } }).catch(() => {});
    await compose('down', '--rmi', 'local').catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const token = () => {
    try {
      return readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    } catch {
      return '';
    }
  };
  const serve = () => get(cli.routerPort, `${app}.localhost`);

  it('up, create an app, push, serve through the router; down stops serving; up again and it serves', async () => {
    await until('the API in its container', () => fetch(`http://127.0.0.1:${env.PAAS_API_PORT}/healthz`).then((r) => r.status), (s) => s === 200, 120_000);
    const as = { env: { PAAS_API_TOKEN: token() } };
    await cli.paasOk(['apps:create', app], { cwd: dir, ...as });
    const push = await cli.paasOk(['push'], { cwd: dir, ...as });
    expect(push.stdout).toContain('Deployed v1');
    expect((await serve()).body).toBe('node-basic v1');

    await compose('down');
    await expect(serve()).rejects.toThrow(/ECONNREFUSED/);
    await compose('up', '-d');
    const back = await until('the app again after compose up', () => serve(), (r) => r.status === 200, 60_000);
    expect(back.body).toBe('node-basic v1');
    await until('the API again', () => fetch(`http://127.0.0.1:${env.PAAS_API_PORT}/healthz`).then((r) => r.status), (s) => s === 200, 60_000);
    const ps = JSON.parse((await cli.paasOk(['ps', '-a', app, '--json'], as)).stdout);
    expect(ps).toMatchObject([{ name: 'web.1', state: 'up' }]);
  }, 300_000);
});

import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appName, copyFixture } from './support/apps.js';
import { until } from './support/http.js';
import { Platform } from './support/platform.js';
import { tarball, type TarEntry } from './support/tarball.js';

/** Tables and columns that legitimately change while hostile requests are refused. */
const VOLATILE = new Set(['api_tokens.last_used_at']);

describe('security: hostile input, isolation, users, secrets at rest', () => {
  const platform = new Platform({ PAAS_MAX_SOURCE_MB: '1', PAAS_MAX_EXTRACTED_MB: '8', PAAS_MAX_SOURCE_FILES: '50', PAAS_MAX_CONFIG_BYTES: '2048' });
  const apps: string[] = [];
  const dirs: string[] = [];
  let app = '';
  let userToken = '';
  const escapeMarker = `paas-escape-${randomBytes(4).toString('hex')}`;

  const api = (method: string, path: string, body?: unknown, init: { token?: string | null; headers?: Record<string, string>; raw?: Buffer | string } = {}) =>
    fetch(`${platform.apiUrl}${path}`, {
      method,
      headers: {
        ...(init.token === null ? {} : { authorization: `Bearer ${init.token ?? platform.token}` }),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      body: init.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    }).then(async (r) => ({ status: r.status, body: await r.text() }));

  /** Every row of every table, plus the slug directory: what must not change when input is refused. */
  const snapshot = () => {
    const db = new Database(join(platform.dataDir, 'paas.db'), { readonly: true });
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    const dump: Record<string, unknown[]> = {};
    for (const t of tables) {
      dump[t] = (db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all() as Record<string, unknown>[]).map((row) =>
        Object.fromEntries(Object.entries(row).filter(([k]) => !VOLATILE.has(`${t}.${k}`))),
      );
    }
    db.close();
    const slugs = readdirSync(join(platform.dataDir, 'slugs')).sort();
    return JSON.stringify({ dump, slugs });
  };

  beforeAll(async () => {
    await platform.start();
    app = appName('e2e-sec');
    const dir = copyFixture('node-basic');
    dirs.push(dir);
    await platform.paasOk(['apps:create', app], { cwd: dir });
    apps.push(app);
    await platform.paasOk(['push'], { cwd: dir });
    await platform.paasOk(['users:add', 'mallory@example.com', '--password-stdin'], { input: 'mallory-password-1' });
    const login = await api('POST', '/auth/login', { email: 'mallory@example.com', password: 'mallory-password-1' }, { token: null });
    userToken = JSON.parse(login.body).token;
  });

  afterAll(async () => {
    for (const a of apps) await platform.paas(['apps:destroy', a, '--confirm', a]);
    await platform.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('refuses 40+ hostile API requests with the right status and error, changing nothing', async () => {
    const long = 'x'.repeat(3000);
    const cases: [string, () => Promise<{ status: number; body: string }>, number, string][] = [
      ['no token', () => api('GET', '/apps', undefined, { token: null }), 401, 'unauthorized'],
      ['wrong token', () => api('GET', '/apps', undefined, { token: 'paas_wrong' }), 401, 'unauthorized'],
      ['basic auth', () => api('GET', '/apps', undefined, { token: null, headers: { authorization: 'Basic YTpi' } }), 401, 'unauthorized'],
      ['huge token', () => api('GET', '/apps', undefined, { token: 't'.repeat(5000) }), 401, 'unauthorized'],
      ["another user's app", () => api('GET', `/apps/${app}`, undefined, { token: userToken }), 404, 'app_not_found'],
      ["another user's config", () => api('GET', `/apps/${app}/config-vars`, undefined, { token: userToken }), 404, 'app_not_found'],
      ["destroy another user's app", () => api('DELETE', `/apps/${app}`, undefined, { token: userToken }), 404, 'app_not_found'],
      ['user creating users', () => api('POST', '/users', { email: 'x@example.com' }, { token: userToken }), 403, 'forbidden'],
      ['user reading the route table', () => api('GET', '/router/table?router=x', undefined, { token: userToken }), 403, 'forbidden'],
      ...[
        'UPPER', 'a', '1abc', 'x'.repeat(31), 'bad_name', 'trailing-', 'dou--ble', '../etc', 'näme', "a'; DROP TABLE apps;--", '$(rm -rf /)', 'a\u0000b', '',
      ].map((name): [string, () => Promise<{ status: number; body: string }>, number, string] => [
        `app name ${JSON.stringify(name)}`,
        () => api('POST', '/apps', { name }),
        422,
        'invalid_app_name',
      ]),
      ['app name not a string', () => api('POST', '/apps', { name: 42 }), 422, 'invalid_app_name'],
      ['extra field', () => api('POST', '/apps', { name: 'okname', owner: 'root' }), 422, 'invalid_params'],
      ['invalid JSON', () => api('POST', '/apps', undefined, { raw: '{"name":', headers: { 'content-type': 'application/json' } }), 422, 'invalid_params'],
      ['JSON body over 1 MB', () => api('PATCH', `/apps/${app}/config-vars`, undefined, { raw: JSON.stringify({ A: 'x'.repeat(1_100_000) }), headers: { 'content-type': 'application/json' } }), 413, 'payload_too_large'],
      ['config key with a dash', () => api('PATCH', `/apps/${app}/config-vars`, { 'A-B': '1' }), 422, 'invalid_params'],
      ['reserved PORT', () => api('PATCH', `/apps/${app}/config-vars`, { PORT: '1' }), 422, 'invalid_params'],
      ['reserved DYNO', () => api('PATCH', `/apps/${app}/config-vars`, { DYNO: 'web.9' }), 422, 'invalid_params'],
      ['config over the size limit', () => api('PATCH', `/apps/${app}/config-vars`, { BIG: long }), 422, 'config_too_large'],
      ['config value an object', () => api('PATCH', `/apps/${app}/config-vars`, { OBJ: { a: 1 } }), 422, 'invalid_params'],
      ['config value a number', () => api('PATCH', `/apps/${app}/config-vars`, { NUM: 5 }), 422, 'invalid_params'],
      ['config body an array', () => api('PATCH', `/apps/${app}/config-vars`, ['A']), 422, 'invalid_params'],
      ['config __proto__', () => api('PATCH', `/apps/${app}/config-vars`, undefined, { raw: '{"__proto__":{"polluted":"x"}}', headers: { 'content-type': 'application/json' } }), 422, 'invalid_params'],
      ['rollback to a missing release', () => api('POST', `/apps/${app}/releases`, { release: 'v999' }), 404, 'release_not_found'],
      ['rollback to a malformed release', () => api('POST', `/apps/${app}/releases`, { release: 'v1; rm -rf /' }), 422, 'invalid_params'],
      ['formation quantity -1', () => api('PATCH', `/apps/${app}/formation`, { updates: [{ type: 'web', quantity: -1 }] }), 422, 'invalid_params'],
      ['formation quantity 10000', () => api('PATCH', `/apps/${app}/formation`, { updates: [{ type: 'web', quantity: 10000 }] }), 422, 'invalid_params'],
      ['formation unknown size', () => api('PATCH', `/apps/${app}/formation`, { updates: [{ type: 'web', size: 'huge' }] }), 422, 'invalid_params'],
      ['formation injection in type', () => api('PATCH', `/apps/${app}/formation`, { updates: [{ type: 'web;reboot', quantity: 1 }] }), 422, 'invalid_params'],
      ['dyno name traversal', () => api('DELETE', `/apps/${app}/dynos/..%2F..%2Fetc`), 422, 'invalid_params'],
      ['domain with a space', () => api('POST', `/apps/${app}/domains`, { hostname: 'a b.example' }), 422, 'invalid_params'],
      ['domain injection', () => api('POST', `/apps/${app}/domains`, { hostname: 'x.example\r\nHost: evil' }), 422, 'invalid_params'],
      ['platform domain', () => api('POST', `/apps/${app}/domains`, { hostname: `other.localhost` }), 422, 'invalid_params'],
      ['drain with file://', () => api('POST', `/apps/${app}/log-drains`, { url: 'file:///etc/passwd' }), 422, 'invalid_params'],
      ['drain with javascript:', () => api('POST', `/apps/${app}/log-drains`, { url: 'javascript:alert(1)' }), 422, 'invalid_params'],
      ['certificate garbage', () => api('POST', `/apps/${app}/sni-endpoints`, { certificate_chain: 'x', private_key: 'y' }), 422, 'certificate_invalid'],
      ['logs lines over 1500', () => api('GET', `/apps/${app}/logs?lines=99999`), 422, 'invalid_params'],
      ['upload over 1 MB', () => api('POST', `/apps/${app}/sources`, undefined, { raw: randomBytes(1_200_000), headers: { 'content-type': 'application/gzip' } }), 413, 'payload_too_large'],
      ['upload with a wrong content type', () => api('POST', `/apps/${app}/sources`, undefined, { raw: 'x', headers: { 'content-type': 'text/plain' } }), 422, 'invalid_params'],
      ['build of an unknown source', () => api('POST', `/apps/${app}/builds`, { source_blob: { id: '00000000-0000-4000-8000-000000000000' } }), 404, 'source_not_found'],
      ['build with a source id injection', () => api('POST', `/apps/${app}/builds`, { source_blob: { id: "1' OR '1'='1" } }), 422, 'invalid_params'],
    ];
    expect(cases.length).toBeGreaterThanOrEqual(40);
    const before = snapshot();
    for (const [name, request, status, id] of cases) {
      const res = await request();
      expect(res.status, `${name}: ${res.body.slice(0, 200)}`).toBe(status);
      const body = JSON.parse(res.body) as { id: string; message: string };
      expect(body.id, name).toBe(id);
      expect(body.message.length, name).toBeGreaterThan(5);
      expect(res.body, name).not.toMatch(/at \S+ \(|node_modules|\/work\/|Error: /); // never a stack trace
    }
    expect(snapshot()).toBe(before);
  });

  it('builds of hostile tarballs fail cleanly: nothing escapes, no slug, no release', async () => {
    const outside = `/tmp/${escapeMarker}`;
    const bomb = Buffer.alloc(20 * 1024 * 1024); // 20 MB of zeros: a few KB compressed, over the 8 MB limit
    const cases: [string, Buffer, RegExp][] = [
      ['absolute path', tarball([{ name: outside, body: 'x' }]), /absolute|outside|unsafe/i],
      ['.. traversal', tarball([{ name: `../../../../tmp/${escapeMarker}`, body: 'x' }]), /\.\.|outside|unsafe/i],
      ['symlink out', tarball([{ name: 'link', type: '2', linkname: '/tmp' }, { name: `link/${escapeMarker}`, body: 'x' }]), /link|outside|unsafe/i],
      ['hard link', tarball([{ name: 'package.json', body: '{}' }, { name: 'hard', type: '1', linkname: '/etc/passwd' }]), /link/i],
      ['character device', tarball([{ name: 'dev', type: '3' }]), /device|special|unsafe/i],
      ['FIFO', tarball([{ name: 'fifo', type: '6' }]), /fifo|special|unsafe/i],
      ['too many files', tarball(Array.from({ length: 60 }, (_, i) => ({ name: `f${i}.txt`, body: 'x' }) as TarEntry)), /files|entries|limit/i],
      ['gzip bomb', tarball([{ name: 'zeros.bin', body: bomb }]), /limit|large|exceed/i],
      ['not gzip', Buffer.from('this is not a tarball at all'), /gzip|archive|invalid|corrupt/i],
      ['truncated gzip', gzipSync(Buffer.alloc(4096)).subarray(0, 30), /gzip|archive|invalid|corrupt|truncat/i],
    ];
    const releasesBefore = await api('GET', `/apps/${app}/releases`);
    const slugsBefore = readdirSync(join(platform.dataDir, 'slugs')).sort();
    for (const [name, archive, message] of cases) {
      const upload = await api('POST', `/apps/${app}/sources`, undefined, { raw: archive, headers: { 'content-type': 'application/gzip' } });
      expect(upload.status, name).toBe(201);
      const build = JSON.parse((await api('POST', `/apps/${app}/builds`, { source_blob: { id: JSON.parse(upload.body).id } })).body);
      const done = await until(`build of "${name}" to end`, async () => JSON.parse((await api('GET', `/apps/${app}/builds/${build.id}`)).body), (b) => b.status !== 'pending', 60_000);
      expect(done.status, name).toBe('failed');
      expect(done.error.id, name).toMatch(/source_invalid|source_too_large/);
      expect(done.error.message, name).toMatch(message);
    }
    expect(existsSync(`/tmp/${escapeMarker}`)).toBe(false);
    expect(readdirSync(join(platform.dataDir, 'slugs')).sort()).toEqual(slugsBefore);
    expect((await api('GET', `/apps/${app}/releases`)).body).toBe(releasesBefore.body);
    expect((await platform.request(app)).body).toBe('node-basic v1');
  }, 180_000);

  it('a dyno cannot reach Docker, the control API or another app, cannot become root, and cannot write outside /app', async () => {
    const other = appName('e2e-sec2');
    const otherDir = copyFixture('node-basic');
    dirs.push(otherDir);
    await platform.paasOk(['apps:create', other, '--no-link']);
    apps.push(other);
    await platform.paasOk(['push', otherDir, '-a', other]);
    const otherId = execFileSync('docker', ['ps', '-q', '--filter', `label=paas.app=${other}`]).toString().trim();
    const otherIp = execFileSync('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', otherId]).toString().trim();

    const probe = `
      const net = require('net'), fs = require('fs');
      const tryConnect = (host, port) => new Promise((r) => {
        const s = net.connect({ host, port, timeout: 2000 });
        s.on('connect', () => { s.destroy(); r('connected'); });
        s.on('timeout', () => { s.destroy(); r('timeout'); });
        s.on('error', (e) => r(e.code));
      });
      const gateway = fs.readFileSync('/proc/net/route', 'utf8').split('\\n').slice(1).map((l) => l.split('\\t'))
        .filter((f) => f[1] === '00000000')[0][2].match(/../g).reverse().map((h) => parseInt(h, 16)).join('.');
      const attempt = (f) => { try { f(); return 'allowed'; } catch (e) { return e.code || 'denied'; } };
      (async () => {
        const out = {
          dockerSocket: fs.existsSync('/var/run/docker.sock') || fs.existsSync('/run/docker.sock'),
          controlApi: await tryConnect(gateway, ${platform.apiPort}),
          otherDyno: await tryConnect('${otherIp}', 5000),
          uid: process.getuid(),
          capEff: fs.readFileSync('/proc/self/status', 'utf8').match(/CapEff:\\s*(\\S+)/)[1],
          noNewPrivs: fs.readFileSync('/proc/self/status', 'utf8').match(/NoNewPrivs:\\s*(\\S+)/)[1],
          writeEtc: attempt(() => fs.writeFileSync('/etc/paas-test', 'x')),
          writeUsr: attempt(() => fs.writeFileSync('/usr/bin/paas-test', 'x')),
          writeApp: attempt(() => fs.writeFileSync('/app/tmp-file', 'x')),
        };
        console.log(JSON.stringify(out));
      })();`;
    const run = await platform.paasOk(['run', '-a', app, 'node', '-e', probe]);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(result).toEqual({
      dockerSocket: false,
      controlApi: 'ECONNREFUSED',
      otherDyno: 'timeout',
      uid: 1000,
      capEff: '0000000000000000',
      noNewPrivs: '1',
      writeEtc: 'EACCES',
      writeUsr: 'EACCES',
      writeApp: 'allowed',
    });
    const su = await platform.paas(['run', '-a', app, 'su -c id root < /dev/null']);
    expect(su.code).not.toBe(0);

    const dynoId = execFileSync('docker', ['ps', '-q', '--filter', `label=paas.app=${app}`, '--filter', 'label=paas.kind=dyno']).toString().trim();
    const inspect = JSON.parse(execFileSync('docker', ['inspect', dynoId]).toString())[0];
    expect(inspect.HostConfig.CapDrop).toEqual(['ALL']);
    expect(inspect.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(inspect.HostConfig.PidsLimit).toBeGreaterThan(0);
    expect(inspect.HostConfig.Memory).toBeGreaterThan(0);
    expect(inspect.HostConfig.Privileged).toBe(false);
    expect(inspect.Config.User).toBe('dyno');
    expect(inspect.Mounts).toEqual([]);
    expect(inspect.HostConfig.NetworkMode).toBe('paas-dynos');
  }, 120_000);

  it('two users see only their own apps; a collaborator deploys but cannot destroy or share', async () => {
    await platform.paasOk(['users:add', 'alice@example.com', '--password-stdin'], { input: 'alice-password-1' });
    await platform.paasOk(['users:add', 'bob@example.com', '--password-stdin'], { input: 'bob-password-12' });
    const as = (who: string) => ({ PAAS_API_TOKEN: '', PAAS_CONFIG_DIR: join(platform.dataDir, `cli-${who}`) });
    await platform.paasOk(['login', '--email', 'alice@example.com', '--password-stdin'], { input: 'alice-password-1', env: as('alice') });
    await platform.paasOk(['login', '--email', 'bob@example.com', '--password-stdin'], { input: 'bob-password-12', env: as('bob') });
    expect((await platform.paasOk(['whoami'], { env: as('alice') })).stdout.trim()).toBe('alice@example.com');

    const aliceApp = appName('e2e-alice');
    const bobApp = appName('e2e-bob');
    await platform.paasOk(['apps:create', aliceApp, '--no-link'], { env: as('alice') });
    await platform.paasOk(['apps:create', bobApp, '--no-link'], { env: as('bob') });
    apps.push(aliceApp, bobApp);
    const list = async (who: string) => JSON.parse((await platform.paasOk(['apps', '--json'], { env: as(who) })).stdout).map((a: { name: string }) => a.name);
    expect(await list('alice')).toEqual([aliceApp]);
    expect(await list('bob')).toEqual([bobApp]);
    const peek = await platform.paas(['config', '-a', bobApp], { env: as('alice') });
    expect(peek.code).toBe(4);
    expect(peek.stderr).toMatch(/Couldn't find that app/);

    await platform.paasOk(['access:add', 'bob@example.com', '-a', aliceApp], { env: as('alice') });
    const dir = copyFixture('node-basic');
    dirs.push(dir);
    const deployed = await platform.paasOk(['push', dir, '-a', aliceApp], { env: as('bob') });
    expect(deployed.stdout).toContain('Deployed v1');
    const destroy = await platform.paas(['apps:destroy', aliceApp, '--confirm', aliceApp], { env: as('bob') });
    expect(destroy.code).toBe(3);
    expect(destroy.stderr).toMatch(/Only the owner/);
    const share = await platform.paas(['access:add', 'mallory@example.com', '-a', aliceApp], { env: as('bob') });
    expect(share.code).toBe(3);
    const releases = JSON.parse((await platform.paasOk(['releases', '-a', aliceApp, '--json'], { env: as('alice') })).stdout);
    expect(releases[0].user.email).toBe('bob@example.com');
    await platform.paasOk(['logout'], { env: as('bob') });
    expect((await platform.paas(['apps'], { env: as('bob') })).code).toBe(3);
  }, 120_000);

  it('keeps config values out of the database file in plain text', async () => {
    const secret = `sekrit-${createHash('sha256').update(randomBytes(8)).digest('hex').slice(0, 16)}`;
    await platform.paasOk(['config:set', '-a', app, `DATABASE_PASSWORD=${secret}`]);
    expect((await platform.request(app, '/env/DATABASE_PASSWORD')).body).toBe(secret);
    const files = readdirSync(platform.dataDir).filter((f) => f.startsWith('paas.db'));
    for (const f of files) {
      expect(readFileSync(join(platform.dataDir, f)).includes(Buffer.from(secret)), f).toBe(false);
      expect(statSync(join(platform.dataDir, f)).mode & 0o077, `${f} is private`).toBe(0);
    }
    const platformLogs = platform.logs.join('');
    expect(platformLogs).not.toContain(secret);
  });
});

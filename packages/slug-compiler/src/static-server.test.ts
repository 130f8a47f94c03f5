import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUILDPACKS_DIR } from './layout.js';

// The static buildpack's server is plain Node.js shipped into slugs; it is tested here as a dyno runs it:
// a process serving the directory above its .paas/, on $PORT.
let root: string;
let server: ChildProcess;
let port: number;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function fetchRaw(path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // http.request sends the path exactly as given, `..` and encodings included.
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const parent = await mkdtemp(join(tmpdir(), 'paas-static-'));
  root = join(parent, 'app');
  await mkdir(join(root, '.paas'), { recursive: true });
  await mkdir(join(root, 'docs'));
  await mkdir(join(root, 'empty'));
  await mkdir(join(root, '.well-known'));
  await copyFile(join(DEFAULT_BUILDPACKS_DIR, 'static', 'lib', 'static-server.js'), join(root, '.paas', 'static-server.js'));
  await writeFile(join(root, 'index.html'), '<h1>home</h1>');
  await writeFile(join(root, 'style.css'), 'body{}');
  await writeFile(join(root, 'docs', 'index.html'), '<h1>docs</h1>');
  await writeFile(join(root, 'data.unknownext'), 'bytes');
  await writeFile(join(root, '.env'), 'SECRET=1');
  await writeFile(join(root, '.well-known', 'security.txt'), 'Contact: x');
  await writeFile(join(parent, 'outside.txt'), 'not served');
  await symlink(join(parent, 'outside.txt'), join(root, 'escape.txt'));

  server = spawn(process.execPath, [join(root, '.paas', 'static-server.js')], { env: { PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let printed = '';
  server.stdout!.setEncoding('utf8');
  for await (const chunk of server.stdout! as AsyncIterable<string>) {
    printed += chunk;
    const m = /listening on port (\d+)/.exec(printed);
    if (m) {
      port = Number(m[1]);
      break;
    }
  }
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
  if (root) await rm(join(root, '..'), { recursive: true, force: true });
});

describe('static-server.js', () => {
  it('serves index.html for / with its content type', async () => {
    const res = await fetchRaw('/');
    expect(res).toMatchObject({ status: 200, body: '<h1>home</h1>', headers: { 'content-type': 'text/html; charset=utf-8', 'content-length': '13' } });
  });

  it.each([
    ['/style.css', 'text/css; charset=utf-8'],
    ['/data.unknownext', 'application/octet-stream'],
    ['/.well-known/security.txt', 'text/plain; charset=utf-8'],
  ])('serves %s as %s', async (path, type) => {
    const res = await fetchRaw(path);
    expect([res.status, res.headers['content-type']]).toEqual([200, type]);
  });

  it('serves a directory index and redirects to the trailing slash', async () => {
    expect(await fetchRaw('/docs/')).toMatchObject({ status: 200, body: '<h1>docs</h1>' });
    expect(await fetchRaw('/docs?x=1')).toMatchObject({ status: 301, headers: { location: '/docs/?x=1' } });
    expect((await fetchRaw('/empty/')).status).toBe(404);
  });

  it.each([
    '/missing.html',
    '/../outside.txt',
    '/..%2Foutside.txt',
    '/%2e%2e/outside.txt',
    '/docs/..%2F..%2Foutside.txt',
    '/escape.txt',
    '/.env',
    '/.paas/static-server.js',
    '/%00',
  ])('answers 404 for %s', async (path) => {
    const res = await fetchRaw(path);
    expect(res.status).toBe(404);
    expect(res.body).toBe('Not Found\n');
  });

  it('answers HEAD with headers only, and 304 for a matching ETag', async () => {
    const head = await fetchRaw('/style.css', { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, body: '', headers: { 'content-length': '6' } });
    const etag = head.headers.etag as string;
    expect(etag).toMatch(/^".+"$/);
    expect((await fetchRaw('/style.css', { headers: { 'If-None-Match': etag } })).status).toBe(304);
  });

  it('refuses other methods', async () => {
    expect(await fetchRaw('/', { method: 'POST' })).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
  });

  it('answers 400 for a malformed escape', async () => {
    expect((await fetchRaw('/%E0%A4%A')).status).toBe(400);
  });

  it('exits cleanly on SIGTERM', async () => {
    server.kill('SIGTERM');
    const [code] = await once(server, 'exit');
    expect(code).toBe(0);
  });
});

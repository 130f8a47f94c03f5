import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { create as createTar, list as listTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@paas/core';
import { createDockerRuntime } from '@paas/runtime';
import { createSlugCompiler, DEFAULT_BUILD_LIMITS, DEFAULT_BUILDPACKS_DIR, type SlugCompilerOptions } from './index.js';

// Integration tests against the local Docker engine and the real stack image (CI builds it and sets
// the tag). Nothing is pulled: the stack is built locally.
const stackImage = process.env.PAAS_TEST_STACK_IMAGE;
if (!stackImage) {
  throw new Error('PAAS_TEST_STACK_IMAGE is not set: build the stack (stack/build.sh TAG) and set it to that tag, e.g. paas/stack:<hash>');
}
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

const exec = promisify(execFile);
const runId = randomBytes(3).toString('hex');
const appIds: string[] = [];
let dataDir: string;
let work: string;

function app(kind: string) {
  const id = `it-${runId}-${kind}`;
  appIds.push(id);
  return { id, name: `it-${kind}-${runId}` };
}

function compilerWith(overrides: Partial<SlugCompilerOptions> = {}) {
  return createSlugCompiler({
    runtime: createDockerRuntime(),
    logger: silentLogger,
    options: {
      dataDir,
      stackImage: stackImage!,
      buildpacksDir: DEFAULT_BUILDPACKS_DIR,
      network: 'bridge',
      limits: { ...DEFAULT_BUILD_LIMITS, timeoutMs: 120_000 },
      ...overrides,
    },
  });
}

/** A source tarball as `paas push` makes it: the app's files under `./`. */
async function sourceOf(name: string, files: Record<string, string>, prepare?: (dir: string) => Promise<unknown>): Promise<string> {
  const dir = join(work, name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await prepare?.(dir);
  const file = join(work, `${name}-${randomBytes(3).toString('hex')}.tgz`);
  await createTar({ gzip: true, cwd: dir, file, portable: true }, ['.']);
  return file;
}

/** Runs a command in a dyno of the image, as the dyno manager will (through paas-launch). */
async function inDyno(image: string, command: string): Promise<string> {
  const { stdout } = await exec('docker', ['run', '--rm', '-e', 'PORT=5000', image, 'paas-launch', command], { timeout: 60_000 });
  return stdout;
}

/** Polls a URL from inside the dyno until it answers (a deadline, not a sleep). */
const fetchInDyno = (start: string, curl: string) =>
  `${start} & for i in $(seq 100); do ${curl} 2>/dev/null && exit 0; sleep 0.1; done; echo never answered; exit 1`;

async function leftovers(appId: string): Promise<string[]> {
  const { stdout } = await exec('docker', ['ps', '-aq', '--filter', `label=paas.app_id=${appId}`]);
  return stdout.split('\n').filter(Boolean);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'paas-compiler-it-'));
  work = await mkdtemp(join(tmpdir(), 'paas-compiler-src-'));
});

afterAll(async () => {
  for (const id of appIds) {
    const { stdout } = await exec('docker', ['images', '-q', '--filter', `label=paas.app_id=${id}`]);
    const images = [...new Set(stdout.split('\n').filter(Boolean))];
    if (images.length > 0) await exec('docker', ['rmi', '-f', ...images]).catch(() => {});
    for (const c of await leftovers(id)) await exec('docker', ['rm', '-f', c]).catch(() => {});
  }
  await rm(dataDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('slug compiler on Docker', () => {
  it('builds a Node.js app without dependencies, fast and without npm', { timeout: 120_000 }, async () => {
    const compiler = compilerWith();
    const target = app('node');
    const source = await sourceOf('node', {
      'package.json': JSON.stringify({ name: 'hello', version: '1.0.0', scripts: { start: 'node index.js' } }),
      'index.js': [
        "if (process.argv[2] === '--check') {",
        "  console.log(`ok ${process.env.NODE_ENV} ${require('fs').existsSync('/app/design.psd')}`);",
        '  process.exit(0);',
        '}',
        "require('http').createServer((req, res) => res.end('hello from node')).listen(process.env.PORT);",
      ].join('\n'),
      '.slugignore': '*.psd\n',
      'design.psd': 'big binary',
    });
    const lines: string[] = [];
    const first = await compiler.compile({ buildId: `b-${runId}-n1`, app: target, sourcePath: source, env: { SECRET_TOKEN: 's3cr3t-value' } }, (l) =>
      lines.push(l),
    );

    expect(first).toMatchObject({ buildpack: 'Node.js', processTypes: { web: 'npm start' }, image: expect.stringMatching(/^paas-slug\/it-node-/) });
    expect(first.checksum).toMatch(/^SHA256:[0-9a-f]{64}$/);
    expect(first.path).toBe(join(dataDir, 'slugs', `${first.checksum.slice(7)}.tgz`));
    expect(lines).toEqual(
      expect.arrayContaining([
        '-----> Deleting 1 files matching .slugignore patterns.',
        '-----> Node.js app detected',
        '       No dependencies in package.json: skipping npm install',
        '-----> Discovering process types',
        '       Default types for buildpack -> web',
        expect.stringMatching(/^-----> Compressing\.\.\. done, \d+(\.\d)?[BK]$/),
      ]),
    );
    expect(lines.join('\n')).not.toContain('s3cr3t-value');

    // The slug: everything under app/, owned by the dyno user, without the ignored file.
    const entries: { path: string; uid: number | undefined }[] = [];
    await listTar({ file: first.path, onReadEntry: (e) => entries.push({ path: e.path, uid: e.header.uid }) });
    expect(entries.map((e) => e.path)).toEqual(expect.arrayContaining(['app/', 'app/index.js', 'app/.profile.d/nodejs.sh']));
    expect(entries.every((e) => e.path.startsWith('app/') && e.uid === 1000)).toBe(true);
    expect(entries.map((e) => e.path)).not.toContain('app/design.psd');

    const { stdout: labels } = await exec('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}} {{.Config.User}}', first.image]);
    expect(labels).toContain(`"paas.slug":"${first.checksum}"`);
    expect(labels).toContain('"paas.kind":"slug"');
    expect(labels.trim().endsWith(' dyno')).toBe(true);
    expect(await inDyno(first.image, 'node index.js --check')).toBe('ok production false\n');
    expect(await inDyno(first.image, fetchInDyno('npm start >/dev/null', 'curl -fsS localhost:5000/'))).toBe('hello from node');

    // Warm rebuild of the same source: same slug, same image, and quick.
    const started = Date.now();
    const second = await compiler.compile({ buildId: `b-${runId}-n2`, app: target, sourcePath: source, env: {} }, () => {});
    const warmMs = Date.now() - started;
    console.log(`warm build of a dependency-free Node.js app: ${warmMs} ms`);
    expect(second.checksum).toBe(first.checksum);
    expect(second.image).toBe(first.image);
    expect(warmMs).toBeLessThan(5000);

    expect(await leftovers(target.id)).toEqual([]);
    expect(await readdir(join(dataDir, 'builds'))).toEqual([]);
  });

  it('builds a static site served by the bundled file server', { timeout: 120_000 }, async () => {
    const target = app('static');
    const source = await sourceOf('static', {
      'index.html': '<h1>static works</h1>\n',
      'css/site.css': 'h1 { color: red }\n',
    });
    const slug = await compilerWith().compile({ buildId: `b-${runId}-s1`, app: target, sourcePath: source, env: {} }, () => {});
    expect(slug).toMatchObject({ buildpack: 'Static', processTypes: { web: 'node .paas/static-server.js' } });
    const curl = 'curl -fsS localhost:5000/ && curl -sS -o /dev/null -w "%{content_type}\\n" localhost:5000/css/site.css';
    expect(await inDyno(slug.image, fetchInDyno(`${slug.processTypes.web} >/dev/null`, curl))).toBe(
      '<h1>static works</h1>\ntext/css; charset=utf-8\n',
    );
  });

  it('builds a Procfile-only app', { timeout: 120_000 }, async () => {
    const target = app('procfile');
    const source = await sourceOf('procfile', {
      Procfile: 'web: python3 -m http.server $PORT\nworker: bash worker.sh\n',
      'worker.sh': 'echo "worker running as $(id -un) in $PWD"\n',
    });
    const lines: string[] = [];
    const slug = await compilerWith().compile({ buildId: `b-${runId}-p1`, app: target, sourcePath: source, env: {} }, (l) => lines.push(l));
    expect(slug).toMatchObject({ buildpack: 'Procfile', processTypes: { web: 'python3 -m http.server $PORT', worker: 'bash worker.sh' } });
    expect(lines).toContain('       Procfile declares types     -> web, worker');
    expect(await inDyno(slug.image, slug.processTypes.worker!)).toBe('worker running as dyno in /app\n');
  });

  it('fails a build whose build script fails, streaming its output, and cleans up', { timeout: 120_000 }, async () => {
    const target = app('failing');
    const source = await sourceOf('failing', {
      'package.json': JSON.stringify({ name: 'broken', version: '1.0.0', scripts: { build: 'echo compiling things && exit 3' } }),
    });
    const lines: string[] = [];
    const err = await compilerWith()
      .compile({ buildId: `b-${runId}-f1`, app: target, sourcePath: source, env: {} }, (l) => lines.push(l))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'slug_compile_failed', message: 'Push rejected, failed to compile Node.js app.' });
    expect(lines).toContain('       compiling things');
    expect(lines).toContain(' !     The build script failed');
    expect(await leftovers(target.id)).toEqual([]);
    expect(existsSync(join(dataDir, 'builds', `b-${runId}-f1`))).toBe(false);
  });

  it('says which files would make an app buildable when no buildpack matches', { timeout: 60_000 }, async () => {
    const target = app('nothing');
    const source = await sourceOf('nothing', { 'README.md': '# nothing to run\n' });
    await expect(compilerWith().compile({ buildId: `b-${runId}-x1`, app: target, sourcePath: source, env: {} }, () => {})).rejects.toMatchObject({
      code: 'no_buildpack',
      message: expect.stringMatching(/package\.json.*index\.html.*Procfile/),
    });
  });

  it('stops a build that runs past the time limit', { timeout: 60_000 }, async () => {
    const buildpacks = join(work, 'slow-buildpacks');
    await cp(DEFAULT_BUILDPACKS_DIR, buildpacks, { recursive: true });
    await mkdir(join(buildpacks, 'slow', 'bin'), { recursive: true });
    await writeFile(join(buildpacks, 'order'), 'slow\n');
    await writeFile(join(buildpacks, 'slow', 'bin', 'detect'), '#!/bin/bash\necho Slow\n');
    await writeFile(join(buildpacks, 'slow', 'bin', 'compile'), '#!/bin/bash\necho started; sleep 60\n');
    await chmod(join(buildpacks, 'slow', 'bin', 'detect'), 0o755);
    await chmod(join(buildpacks, 'slow', 'bin', 'compile'), 0o755);
    const target = app('slow');
    const source = await sourceOf('slow', { 'main.sh': 'true\n' });
    const compiler = compilerWith({ buildpacksDir: buildpacks, limits: { ...DEFAULT_BUILD_LIMITS, timeoutMs: 2000 } });
    const lines: string[] = [];
    const started = Date.now();
    await expect(compiler.compile({ buildId: `b-${runId}-t1`, app: target, sourcePath: source, env: {} }, (l) => lines.push(l))).rejects.toMatchObject({
      code: 'build_timeout',
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(lines).toContain('started');
    expect(await leftovers(target.id)).toEqual([]);
  });

  it('installs a registry dependency through the host registry and CA bundle', { timeout: 180_000 }, async () => {
    const { stdout: registry } = await exec('npm', ['config', 'get', 'registry']);
    const compiler = compilerWith({
      npmRegistry: registry.trim(),
      ...(existsSync(HOST_CA_BUNDLE) ? { caBundlePath: HOST_CA_BUNDLE } : {}),
    });
    const target = app('deps');
    const source = await sourceOf('deps', {
      'package.json': JSON.stringify({ name: 'with-deps', version: '1.0.0', dependencies: { 'is-number': '^7.0.0' } }),
      'index.js': "console.log('is-number says', require('is-number')(5));\n",
    });
    const lines: string[] = [];
    const slug = await compiler.compile({ buildId: `b-${runId}-d1`, app: target, sourcePath: source, env: {} }, (l) => lines.push(l));
    expect(slug.processTypes).toEqual({ web: 'node index.js' });
    expect(lines.some((l) => l.includes('npm install (no lockfile)'))).toBe(true);
    expect(await inDyno(slug.image, 'node index.js')).toBe('is-number says true\n');
    expect(await readdir(join(dataDir, 'cache', target.id, 'npm'))).not.toEqual([]);
  });

  it('runs npm ci, the build script and the devDependencies prune for an app with a lockfile', { timeout: 180_000 }, async () => {
    const { stdout: registry } = await exec('npm', ['config', 'get', 'registry']);
    const compiler = compilerWith({
      npmRegistry: registry.trim(),
      ...(existsSync(HOST_CA_BUNDLE) ? { caBundlePath: HOST_CA_BUNDLE } : {}),
    });
    const target = app('lockfile');
    const files = {
      'package.json': JSON.stringify({
        name: 'with-lockfile',
        version: '1.0.0',
        scripts: { build: "node -e \"require('kind-of'); require('fs').writeFileSync('built.txt', 'built')\"", start: 'node index.js' },
        dependencies: { 'is-number': '^7.0.0' },
        devDependencies: { 'kind-of': '^6.0.0' },
      }),
      'index.js': "console.log(require('fs').readFileSync('built.txt', 'utf8'), require('is-number')(1));\n",
    };
    // The lockfile as a developer would commit it, made by the host's npm against the same registry.
    const source = await sourceOf('lockfile', files, (dir) =>
      exec('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir }),
    );

    const lines: string[] = [];
    const slug = await compiler.compile({ buildId: `b-${runId}-l1`, app: target, sourcePath: source, env: {} }, (l) => lines.push(l));
    expect(lines.some((l) => l.endsWith('npm ci (lockfile found)'))).toBe(true);
    expect(lines).toEqual(expect.arrayContaining(['-----> Build', '       Running build', '-----> Pruning devDependencies']));
    expect(slug.processTypes).toEqual({ web: 'npm start' });
    expect(await inDyno(slug.image, 'node index.js; test -d node_modules/kind-of && echo dev deps kept || echo dev deps pruned')).toBe(
      'built true\ndev deps pruned\n',
    );
  });
});

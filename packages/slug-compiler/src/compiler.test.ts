import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { create as createTar } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@paas/core';
import type { ContainerSpec } from '@paas/runtime';
import { FakeRuntime } from '@paas/runtime/testing';
import { createSlugCompiler, DEFAULT_BUILD_LIMITS, DEFAULT_BUILDPACKS_DIR, type SlugCompiler, type SlugCompilerOptions } from './index.js';

const STACK = 'paas/stack:test';
let root: string;
let runtime: FakeRuntime;

/** What the fake build container does when started: the driver's effects, written on the host side. */
interface DriverScript {
  buildpack?: string;
  release?: string;
  failed?: 'detect' | 'compile' | 'release';
  exitCode?: number;
  stdout?: string;
  stderr?: string;
  files?: Record<string, string>;
  /** Leave the container running (the test exits it, or the timeout kills it). */
  hang?: boolean;
  oom?: boolean;
}

function mountOf(spec: ContainerSpec, target: string): string {
  const mount = spec.mounts?.find((m) => m.target === target);
  if (!mount) throw new Error(`no mount at ${target}`);
  return mount.source;
}

function driveBuilds(script: (spec: ContainerSpec) => DriverScript) {
  const seen: { id: string; spec: ContainerSpec; env: Record<string, string> }[] = [];
  runtime.onStart = (id, spec) => {
    if (spec.labels['paas.kind'] !== 'build' || !spec.name.startsWith('paas-build-')) return;
    const s = script(spec);
    const envDir = mountOf(spec, '/env');
    const env = Object.fromEntries(readdirSync(envDir).map((k) => [k, readFileSync(join(envDir, k), 'utf8')]));
    seen.push({ id, spec, env });
    const out = mountOf(spec, '/out');
    const app = mountOf(spec, '/app');
    for (const [path, content] of Object.entries(s.files ?? {})) writeFileSync(join(app, path), content);
    if (s.buildpack !== undefined) writeFileSync(join(out, 'buildpack'), `${s.buildpack}\n`);
    if (s.release !== undefined) writeFileSync(join(out, 'release.yml'), s.release);
    if (s.failed !== undefined) writeFileSync(join(out, 'failed'), `${s.failed}\n`);
    if (s.stdout) runtime.output(id, 'stdout', s.stdout);
    if (s.stderr) runtime.output(id, 'stderr', s.stderr);
    if (!s.hang) runtime.exit(id, s.exitCode ?? (s.failed ? 1 : 0), { oom: s.oom ?? false });
  };
  return seen;
}

const nodeRelease = '---\ndefault_process_types:\n  web: npm start\n';

function compilerWith(overrides: Partial<SlugCompilerOptions> = {}): SlugCompiler {
  return createSlugCompiler({
    runtime,
    logger: silentLogger,
    options: {
      dataDir: join(root, 'data'),
      stackImage: STACK,
      buildpacksDir: DEFAULT_BUILDPACKS_DIR,
      network: 'paas-build',
      limits: { ...DEFAULT_BUILD_LIMITS },
      ...overrides,
    },
  });
}

let sources = 0;
async function sourceOf(files: Record<string, string>): Promise<string> {
  const dir = join(root, `src${++sources}`);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const file = `${dir}.tgz`;
  await createTar({ gzip: true, cwd: dir, file }, ['.']);
  return file;
}

const app = { id: 'app-1', name: 'myapp' };

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'paas-compiler-'));
  runtime = new FakeRuntime();
  runtime.addImage(STACK);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('compile', () => {
  it('runs one hardened build container, streams its output and stores the slug and image', async () => {
    const seen = driveBuilds(() => ({
      buildpack: 'Node.js',
      release: nodeRelease,
      stdout: '-----> Node.js app detected\n       building\r\nno newline at the end',
      stderr: 'a warning\n',
      files: { 'built.txt': 'made by the build' },
    }));
    const compiler = compilerWith({ npmRegistry: 'https://registry.example.test/', caBundlePath: '/host/ca.crt', labels: { 'paas.platform': 'p1' } });
    const source = await sourceOf({ 'package.json': '{}', Procfile: 'worker: node worker.js\n' });
    const lines: string[] = [];

    const slug = await compiler.compile({ buildId: 'build-0001', app, sourcePath: source, env: { DATABASE_URL: 'postgres://secret', EMPTY: '' } }, (l) =>
      lines.push(l),
    );

    expect(seen).toHaveLength(1);
    const { spec, env } = seen[0]!;
    expect(spec).toMatchObject({
      name: 'paas-build-myapp-build0001',
      image: STACK,
      cmd: ['bash', '/buildpacks/driver.sh'],
      user: '1000:1000',
      hardened: true,
      init: true,
      network: 'paas-build',
      memoryBytes: DEFAULT_BUILD_LIMITS.memoryBytes,
      nanoCpus: DEFAULT_BUILD_LIMITS.nanoCpus,
      pidsLimit: DEFAULT_BUILD_LIMITS.pidsLimit,
      labels: { 'paas.managed': '1', 'paas.kind': 'build', 'paas.app_id': 'app-1', 'paas.platform': 'p1' },
      env: {
        STACK: 'paas-bookworm',
        HOME: '/app',
        CI: 'true',
        NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
        NPM_CONFIG_REGISTRY: 'https://registry.example.test/',
      },
    });
    expect(spec.mounts?.map((m) => [m.target, m.readOnly])).toEqual([
      ['/app', false],
      ['/cache', false],
      ['/env', true],
      ['/buildpacks', true],
      ['/out', false],
      ['/etc/ssl/certs/ca-certificates.crt', true],
    ]);
    expect(mountOf(spec, '/buildpacks')).toBe(DEFAULT_BUILDPACKS_DIR);
    expect(mountOf(spec, '/etc/ssl/certs/ca-certificates.crt')).toBe('/host/ca.crt');
    expect(env).toEqual({ DATABASE_URL: 'postgres://secret', EMPTY: '' });

    expect(lines).toEqual([
      '-----> Node.js app detected',
      '       building',
      'a warning',
      'no newline at the end',
      '-----> Discovering process types',
      '       Procfile declares types     -> worker',
      '       Default types for buildpack -> web',
      expect.stringMatching(/^-----> Compressing\.\.\. done, \d+B$/),
    ]);

    expect(slug).toMatchObject({ buildpack: 'Node.js', processTypes: { web: 'npm start', worker: 'node worker.js' } });
    expect(slug.path).toBe(join(root, 'data', 'slugs', `${slug.checksum.replace('SHA256:', '')}.tgz`));
    expect((await stat(slug.path)).size).toBe(slug.size);
    expect(slug.image).toBe(`paas-slug/myapp:${slug.checksum.slice(7, 19)}`);
    expect(runtime.images.get(slug.image)?.labels).toEqual({
      'paas.managed': '1',
      'paas.kind': 'slug',
      'paas.app_id': 'app-1',
      'paas.slug': slug.checksum,
    });

    // Nothing of the build is left: no containers, no build directory. The cache stays, the dyno user's.
    expect(runtime.containers.size).toBe(0);
    expect(runtime.calls.filter((c) => c.startsWith('put:'))).toEqual(['put:/']);
    expect(await readdir(join(root, 'data', 'builds'))).toEqual([]);
    const cache = await stat(join(root, 'data', 'cache', 'app-1'));
    expect(cache.mode & 0o777).toBe(0o700);
    expect([cache.uid, cache.gid]).toEqual([1000, 1000]);
  });

  it('waits for a build slot, saying how many builds are ahead', async () => {
    const hung: string[] = [];
    driveBuilds(() => ({ buildpack: 'Fake', release: '', hang: true }));
    const onStart = runtime.onStart!;
    runtime.onStart = (id, spec) => {
      onStart(id, spec);
      if (spec.name.startsWith('paas-build-')) hung.push(id);
    };
    const compiler = compilerWith({ limits: { ...DEFAULT_BUILD_LIMITS, concurrency: 1 } });
    const source = await sourceOf({ Procfile: 'web: ./run\n' });
    const firstLines: string[] = [];
    const secondLines: string[] = [];
    const first = compiler.compile({ buildId: 'b1', app, sourcePath: source, env: {} }, (l) => firstLines.push(l));
    await expect.poll(() => hung.length).toBe(1);
    const second = compiler.compile({ buildId: 'b2', app: { id: 'app-2', name: 'other' }, sourcePath: source, env: {} }, (l) =>
      secondLines.push(l),
    );

    await expect.poll(() => compiler.queued()).toBe(1);
    expect(secondLines).toEqual(['-----> Waiting for a build slot (1 ahead)']);
    expect(hung).toHaveLength(1);

    runtime.exit(hung[0]!, 0);
    await first;
    await expect.poll(() => hung.length).toBe(2);
    expect(compiler.queued()).toBe(0);
    runtime.exit(hung[1]!, 0);
    await expect(second).resolves.toMatchObject({ processTypes: { web: './run' } });
    expect(firstLines.some((l) => l.startsWith('-----> Waiting'))).toBe(false);
  });

  it.each([
    [{ failed: 'detect' } as DriverScript, 'no_buildpack', /add a package\.json \(Node\.js\), an index\.html \(static site\) or a Procfile/],
    [{ buildpack: 'Node.js', failed: 'compile' } as DriverScript, 'slug_compile_failed', /^Push rejected, failed to compile Node\.js app\.$/],
    [{ buildpack: 'Node.js', failed: 'release' } as DriverScript, 'slug_compile_failed', /bin\/release/],
    [{ exitCode: 137 } as DriverScript, 'slug_compile_failed', /exited with status 137/],
    [{ buildpack: 'Node.js', exitCode: 137, oom: true } as DriverScript, 'slug_compile_failed', /ran out of memory \(limit 2048 MB\)/],
    [{ buildpack: 'X', release: 'default_process_types: [' } as DriverScript, 'slug_compile_failed', /invalid YAML/],
    [{ buildpack: 'X', release: '', files: { Procfile: 'web node index.js\n' } } as DriverScript, 'invalid_procfile', /Procfile line 1 is not "type: command"/],
  ])('fails %j with %s', async (script, code, message) => {
    driveBuilds(() => script);
    const source = await sourceOf({ 'index.js': '' });
    await expect(compilerWith().compile({ buildId: 'bf', app, sourcePath: source, env: {} }, () => {})).rejects.toMatchObject({
      code,
      message: expect.stringMatching(message),
    });
    expect(runtime.containers.size).toBe(0);
    expect(existsSync(join(root, 'data', 'builds', 'bf'))).toBe(false);
    expect(existsSync(join(root, 'data', 'slugs'))).toBe(false);
  });

  it('kills a build past its time limit', async () => {
    driveBuilds(() => ({ buildpack: 'Slow', stdout: 'working\n', hang: true }));
    const source = await sourceOf({ 'index.js': '' });
    const lines: string[] = [];
    const compiler = compilerWith({ limits: { ...DEFAULT_BUILD_LIMITS, timeoutMs: 50 } });
    await expect(compiler.compile({ buildId: 'bt', app, sourcePath: source, env: {} }, (l) => lines.push(l))).rejects.toMatchObject({
      code: 'build_timeout',
    });
    expect(lines).toEqual(['working']);
    expect(runtime.calls.some((c) => c.startsWith('kill:paas-build-myapp-bt'))).toBe(true);
    expect(runtime.containers.size).toBe(0);
  });

  it('refuses a hostile source before starting any container', async () => {
    const seen = driveBuilds(() => ({ buildpack: 'X', release: '' }));
    const dir = join(root, 'hostile');
    await mkdir(dir);
    await symlink('/etc/passwd', join(dir, 'passwd'));
    const source = join(root, 'hostile.tgz');
    await createTar({ gzip: true, cwd: dir, file: source }, ['.']);
    await expect(compilerWith().compile({ buildId: 'bh', app, sourcePath: source, env: {} }, () => {})).rejects.toMatchObject({
      code: 'source_invalid',
      message: expect.stringContaining('"./passwd" is a symlink to "/etc/passwd"'),
    });
    expect(seen).toHaveLength(0);
    expect(existsSync(join(root, 'data', 'builds', 'bh'))).toBe(false);
  });

  it('applies .slugignore before the build runs', async () => {
    let visible: string[] = [];
    runtime.onStart = (id, spec) => {
      if (!spec.name.startsWith('paas-build-')) return;
      visible = readdirSync(mountOf(spec, '/app')).sort();
      writeFileSync(join(mountOf(spec, '/out'), 'buildpack'), 'X\n');
      runtime.exit(id, 0);
    };
    const source = await sourceOf({ '.slugignore': '*.psd\n/docs\n', 'art.psd': '', 'docs/a.md': '', 'index.js': '' });
    const lines: string[] = [];
    await compilerWith().compile({ buildId: 'bi', app, sourcePath: source, env: {} }, (l) => lines.push(l));
    expect(visible).toEqual(['.slugignore', 'index.js']);
    expect(lines[0]).toBe('-----> Deleting 2 files matching .slugignore patterns.');
  });

  it('refuses config var names that are not shell variable names', async () => {
    driveBuilds(() => ({ buildpack: 'X', release: '' }));
    const source = await sourceOf({ 'index.js': '' });
    await expect(compilerWith().compile({ buildId: 'be', app, sourcePath: source, env: { '../../x': 'y' } }, () => {})).rejects.toMatchObject({
      code: 'invalid_params',
    });
    expect(existsSync(join(root, 'data', 'builds', 'be'))).toBe(false);
  });

  it('fails with stack_missing when the stack image is gone', async () => {
    runtime.images.clear();
    const source = await sourceOf({ 'index.js': '' });
    await expect(compilerWith().compile({ buildId: 'bs', app, sourcePath: source, env: {} }, () => {})).rejects.toMatchObject({
      code: 'stack_missing',
    });
  });

  it('gives up a queued build when its signal aborts', async () => {
    driveBuilds(() => ({ buildpack: 'X', release: '', hang: true }));
    const compiler = compilerWith({ limits: { ...DEFAULT_BUILD_LIMITS, concurrency: 1 } });
    const source = await sourceOf({ 'index.js': '' });
    const first = compiler.compile({ buildId: 'q1', app, sourcePath: source, env: {} }, () => {});
    await expect.poll(() => runtime.running().length).toBe(1);
    const controller = new AbortController();
    const second = compiler.compile({ buildId: 'q2', app: { id: 'app-2', name: 'other' }, sourcePath: source, env: {}, signal: controller.signal }, () => {});
    await expect.poll(() => compiler.queued()).toBe(1);
    controller.abort(new Error('canceled by the user'));
    await expect(second).rejects.toThrow('canceled by the user');
    expect(compiler.queued()).toBe(0);
    runtime.exit(runtime.running()[0]!.id, 0);
    await first;
  });
  it('kills a running build when its signal aborts, and cleans up', async () => {
    driveBuilds(() => ({ buildpack: 'X', stdout: 'busy\n', hang: true }));
    const controller = new AbortController();
    const source = await sourceOf({ 'index.js': '' });
    const build = compilerWith().compile({ buildId: 'ba', app, sourcePath: source, env: {}, signal: controller.signal }, () => {});
    await expect.poll(() => runtime.running().length).toBe(1);
    controller.abort(new Error('canceled by the user'));
    await expect(build).rejects.toThrow('canceled by the user');
    expect(runtime.calls.some((c) => c.startsWith('kill:paas-build-myapp-ba'))).toBe(true);
    expect(runtime.containers.size).toBe(0);
    expect(existsSync(join(root, 'data', 'builds', 'ba'))).toBe(false);
  });
});

describe('ensureImage', () => {
  it('recreates a removed slug image from the stored slug', async () => {
    driveBuilds(() => ({ buildpack: 'X', release: '' }));
    const compiler = compilerWith();
    const slug = await compiler.compile({ buildId: 'b1', app, sourcePath: await sourceOf({ 'index.js': '' }), env: {} }, () => {});
    await runtime.removeImage(slug.image);
    const creates = runtime.calls.filter((c) => c.startsWith('create:')).length;

    await expect(compiler.ensureImage({ checksum: slug.checksum, path: slug.path, app })).resolves.toBe(slug.image);
    expect(runtime.images.get(slug.image)?.labels['paas.slug']).toBe(slug.checksum);
    expect(runtime.calls.filter((c) => c.startsWith('create:')).length).toBe(creates + 1);

    // Present: nothing to do.
    await compiler.ensureImage({ checksum: slug.checksum, path: slug.path, app });
    expect(runtime.calls.filter((c) => c.startsWith('create:')).length).toBe(creates + 1);
    expect(runtime.containers.size).toBe(0);
    expect(statSync(slug.path).isFile()).toBe(true);
  });
});

import { access, chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PaasError, isAppName, isConfigKey, type Logger } from '@paas/core';
import { runContainer, type ContainerRuntime } from '@paas/runtime';
import { DRIVER_SCRIPT, buildContainerSpec, buildLabels } from './build-container.js';
import { readDriverOutcome } from './build-outcome.js';
import { createBuildQueue } from './build-queue.js';
import { extractSource } from './extract-source.js';
import { DYNO_GID, DYNO_UID, buildPaths, cacheDir, slugsDir, type BuildPaths } from './layout.js';
import { DEFAULT_BUILD_LIMITS } from './limits.js';
import { createLineSplitter } from './line-splitter.js';
import { discoverProcessTypes, parseReleaseOutput } from './process-types.js';
import { UnsafeFileError, readSmallFile } from './safe-read.js';
import { formatSize, storeSlug } from './slug-archive.js';
import { createSlugImage, slugImageTag } from './slug-image.js';
import { applySlugignore, parseSlugignore } from './slugignore.js';
import type { BuildLimits, BuildOutput, CompileRequest, CompiledSlug, SlugCompiler, SlugCompilerOptions } from './types.js';

export interface SlugCompilerDeps {
  /** Runs the build container and makes the dyno images. */
  runtime: ContainerRuntime;
  /** The platform's log (timings, failures); build output goes to `compile`'s `output` instead. */
  logger: Logger;
  options: SlugCompilerOptions;
}

type App = { id: string; name: string };

const MAX_PROCFILE_BYTES = 256 * 1024;
const MAX_SLUGIGNORE_BYTES = 256 * 1024;
/** Heroku warns past 300 of its 500 MB; the same share of whatever limit is configured. */
const SLUG_SOFT_LIMIT_SHARE = 0.6;

/**
 * The slug compiler: source tarball in, slug and dyno image out. One container run per build; builds
 * wait for a slot (`limits.concurrency`) so they cannot starve running apps.
 */
export function createSlugCompiler(deps: SlugCompilerDeps): SlugCompiler {
  const { runtime, options } = deps;
  const limits: Required<BuildLimits> = { ...options.limits, pidsLimit: options.limits.pidsLimit ?? DEFAULT_BUILD_LIMITS.pidsLimit };
  const queue = createBuildQueue(limits.concurrency);
  const logger = deps.logger.child({ component: 'slug-compiler' });

  const ensureImage = async (checksum: string, path: string, app: App): Promise<string> => {
    const tag = slugImageTag(app.name, checksum);
    if (await runtime.imageExists(tag)) return tag;
    try {
      await access(path);
    } catch (err) {
      throw new PaasError('internal_error', `Slug ${checksum} of ${app.name} is missing from the slug store`, { cause: err });
    }
    return createSlugImage(runtime, { stackImage: options.stackImage, slugPath: path, checksum, app, ...(options.labels ? { labels: options.labels } : {}) });
  };

  const build = async (request: CompileRequest, paths: BuildPaths, cache: string, output: BuildOutput, log: Logger): Promise<CompiledSlug> => {
    const { app, signal } = request;
    const timings: Record<string, number> = {};
    let mark = Date.now();
    const lap = (name: string) => {
      const now = Date.now();
      timings[name] = now - mark;
      mark = now;
      signal?.throwIfAborted();
    };

    await preflight();
    await prepareBuildDirs(paths);
    await extractSource(request.sourcePath, paths.app, {
      maxBytes: limits.maxExtractedBytes,
      maxFiles: limits.maxFiles,
      owner: { uid: DYNO_UID, gid: DYNO_GID },
    });
    await removeIgnored(paths.app, output);
    await prepareCache(cache);
    await writeEnvDir(paths.env, request.env);
    lap('prepare');

    const exit = await runDriver(request, paths, cache, output);
    lap('run');
    const outcome = await readDriverOutcome(paths, exit, limits);
    const defaults = parseReleaseOutput(outcome.releaseYaml, outcome.buildpack);
    const discovered = discoverProcessTypes(await readProcfile(paths.app), defaults);
    discovered.lines.forEach((line) => output(line));

    const slug = await storeSlug(paths.root, slugsDir(options.dataDir), limits.maxSlugBytes);
    output(`-----> Compressing... done, ${formatSize(slug.size)}`);
    if (slug.size > limits.maxSlugBytes * SLUG_SOFT_LIMIT_SHARE) {
      output(` !     Warning: the slug (${formatSize(slug.size)}) is close to the ${formatSize(limits.maxSlugBytes)} limit`);
    }
    lap('slug');
    const image = await ensureImage(slug.checksum, slug.path, app);
    lap('image');
    log.info({ checksum: slug.checksum, size: slug.size, buildpack: outcome.buildpack, timings }, 'slug compiled');
    return {
      checksum: slug.checksum,
      path: slug.path,
      size: slug.size,
      image,
      processTypes: discovered.processTypes,
      buildpack: outcome.buildpack,
    };
  };

  const preflight = async () => {
    try {
      await access(join(options.buildpacksDir, DRIVER_SCRIPT));
    } catch (err) {
      throw new PaasError('internal_error', `The buildpacks directory has no ${DRIVER_SCRIPT}`, { cause: err });
    }
    if (!(await runtime.imageExists(options.stackImage))) {
      throw new PaasError('stack_missing', `The stack image ${options.stackImage} does not exist`);
    }
  };

  /** The app's build cache persists between builds; only the dyno user can read it. */
  const prepareCache = async (dir: string): Promise<void> => {
    await mkdir(join(options.dataDir, 'cache'), { recursive: true, mode: 0o700 });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await ownByDyno(dir, 0o700);
  };

  const runDriver = async (request: CompileRequest, paths: BuildPaths, cache: string, output: BuildOutput) => {
    const spec = buildContainerSpec({ options, limits, buildId: request.buildId, app: request.app, paths, cacheDir: cache });
    const stdout = createLineSplitter(output);
    const stderr = createLineSplitter(output);
    const result = await runContainer(runtime, spec, {
      onOutput: (stream, chunk) => (stream === 'stdout' ? stdout : stderr).push(chunk),
      timeoutMs: limits.timeoutMs,
      ...(request.signal ? { signal: request.signal } : {}),
      keep: true,
    });
    stdout.flush();
    stderr.flush();
    if (result.aborted) request.signal?.throwIfAborted();
    const info = result.exitCode === 0 ? undefined : await runtime.inspectContainer(result.id);
    return { exitCode: result.exitCode, timedOut: result.timedOut, oomKilled: info?.oomKilled ?? false };
  };

  /** Removes the build's containers and files, whatever state the build stopped in. */
  const cleanup = async (request: CompileRequest, paths: BuildPaths, log: Logger) => {
    try {
      const containers = await runtime.listContainers(buildLabels(request.app, request.buildId));
      await Promise.all(containers.map((c) => runtime.removeContainer(c.id, { force: true })));
    } catch (err) {
      log.warn({ err }, 'could not remove the build containers');
    }
    await rm(paths.root, { recursive: true, force: true }).catch((err: unknown) => log.warn({ err }, 'could not remove the build directory'));
  };

  return {
    async compile(request, output) {
      if (!isAppName(request.app.name)) throw new PaasError('invalid_app_name', `Invalid app name ${JSON.stringify(request.app.name)}`);
      // Ids become paths: check them before waiting in the queue.
      const paths = buildPaths(options.dataDir, request.buildId);
      const cache = cacheDir(options.dataDir, request.app.id);
      const log = logger.child({ app: request.app.name, build: request.buildId });
      const slot = await queue.acquire(request.app.id, {
        ...(request.signal ? { signal: request.signal } : {}),
        onWait: (ahead) => output(`-----> Waiting for a build slot (${ahead} ahead)`),
      });
      const started = Date.now();
      try {
        return await build(request, paths, cache, output, log);
      } catch (err) {
        log.info({ code: err instanceof PaasError ? err.code : undefined, ms: Date.now() - started }, 'build failed');
        throw err;
      } finally {
        await cleanup(request, paths, log);
        slot.release();
      }
    },

    ensureImage: (slug) => ensureImage(slug.checksum, slug.path, slug.app),

    queued: () => queue.queued(),
  };
}

/** The build's own directory is root's; what the dyno user writes is handed to it. */
async function prepareBuildDirs(paths: BuildPaths): Promise<void> {
  // A directory left by a crashed process under the same build id must not leak into this build.
  await rm(paths.root, { recursive: true, force: true });
  await mkdir(join(paths.root, '..'), { recursive: true, mode: 0o700 });
  await mkdir(paths.root, { mode: 0o700 });
  await mkdir(paths.app, { mode: 0o755 });
  await mkdir(paths.env, { mode: 0o700 });
  await mkdir(paths.out, { mode: 0o700 });
  await Promise.all([ownByDyno(paths.app, 0o755), ownByDyno(paths.env, 0o700), ownByDyno(paths.out, 0o700)]);
}

/** ENV_DIR: one file per config var, readable by the dyno user only. Values are never logged. */
async function writeEnvDir(dir: string, env: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(env)) {
    // The key is a file name: anything but a shell variable name could climb out of the directory.
    if (!isConfigKey(key)) throw new PaasError('invalid_params', `Invalid config var name ${JSON.stringify(key)}`);
    const file = join(dir, key);
    await writeFile(file, value, { mode: 0o600, flag: 'wx' });
    await ownByDyno(file, 0o600);
  }
}

async function ownByDyno(path: string, mode: number): Promise<void> {
  try {
    await chown(path, DYNO_UID, DYNO_GID);
    await chmod(path, mode);
  } catch (err) {
    throw new PaasError('internal_error', `Cannot hand build files to the dyno user (uid ${DYNO_UID}): the platform must run as root`, {
      cause: err,
    });
  }
}

async function removeIgnored(appDir: string, output: BuildOutput): Promise<void> {
  let text: string | undefined;
  try {
    text = await readSmallFile(join(appDir, '.slugignore'), MAX_SLUGIGNORE_BYTES);
  } catch (err) {
    if (err instanceof UnsafeFileError) throw new PaasError('source_invalid', `.slugignore cannot be used: ${err.message}`);
    throw err;
  }
  if (text === undefined) return;
  const { patterns, warnings } = parseSlugignore(text);
  warnings.forEach((w) => output(` !     ${w}`));
  const removed = await applySlugignore(appDir, patterns);
  if (removed.length > 0) output(`-----> Deleting ${removed.length} files matching .slugignore patterns.`);
}

async function readProcfile(appDir: string): Promise<string | undefined> {
  try {
    return await readSmallFile(join(appDir, 'Procfile'), MAX_PROCFILE_BYTES);
  } catch (err) {
    if (err instanceof UnsafeFileError) throw new PaasError('invalid_procfile', `The Procfile cannot be used: ${err.message}`);
    throw err;
  }
}

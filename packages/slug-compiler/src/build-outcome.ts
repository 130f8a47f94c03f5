import { join } from 'node:path';
import { PaasError } from '@paas/core';
import type { BuildPaths } from './layout.js';
import { UnsafeFileError, readSmallFile } from './safe-read.js';

/** How the build container ended, as the runtime reported it. */
export interface DriverExit {
  exitCode: number;
  /** Killed for running past `limits.timeoutMs`. */
  timedOut: boolean;
  /** Killed by the kernel for passing `limits.memoryBytes`. */
  oomKilled: boolean;
}

export interface DriverResult {
  /** The name the winning `bin/detect` printed. */
  buildpack: string;
  /** What its `bin/release` printed. */
  releaseYaml: string;
}

const MAX_RELEASE_BYTES = 256 * 1024;

/**
 * Turns the build container's exit and the driver's files in the out dir into a result or the error
 * that explains the failure. The out dir was writable by the build, so every file is read defensively.
 */
export async function readDriverOutcome(paths: BuildPaths, exit: DriverExit, limits: { timeoutMs: number; memoryBytes: number }): Promise<DriverResult> {
  if (exit.timedOut) {
    throw new PaasError('build_timeout', `The build exceeded the ${formatDuration(limits.timeoutMs)} limit and was stopped`);
  }
  const buildpack = (await readOut(paths, 'buildpack', 256))?.split('\n')[0]?.trim() || undefined;
  if (exit.exitCode !== 0) {
    const phase = (await readOut(paths, 'failed', 64))?.trim();
    if (phase === 'detect') {
      throw new PaasError(
        'no_buildpack',
        'No default language could be detected for this app: add a package.json (Node.js), an index.html (static site) or a Procfile',
      );
    }
    if (exit.oomKilled) {
      throw new PaasError('slug_compile_failed', `The build ran out of memory (limit ${Math.round(limits.memoryBytes / 1024 / 1024)} MB)`);
    }
    const app = buildpack ? `${buildpack} app` : 'app';
    if (phase === 'compile') throw new PaasError('slug_compile_failed', `Push rejected, failed to compile ${app}.`);
    if (phase === 'release') throw new PaasError('slug_compile_failed', `Push rejected, bin/release of the ${app} buildpack failed.`);
    throw new PaasError('slug_compile_failed', `Push rejected, the build exited with status ${exit.exitCode}.`);
  }
  if (!buildpack) throw new PaasError('slug_compile_failed', 'Push rejected, the build driver did not report a buildpack.');
  return { buildpack, releaseYaml: (await readOut(paths, 'release.yml', MAX_RELEASE_BYTES)) ?? '' };
}

async function readOut(paths: BuildPaths, name: string, maxBytes: number): Promise<string | undefined> {
  try {
    return await readSmallFile(join(paths.out, name), maxBytes);
  } catch (err) {
    if (err instanceof UnsafeFileError) {
      throw new PaasError('slug_compile_failed', `Push rejected, the build left an unreadable ${name}: ${err.message}`);
    }
    throw err;
  }
}

/** `15 minutes`, `90 seconds`. */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  const s = Math.round(ms / 1000);
  return `${s} second${s === 1 ? '' : 's'}`;
}

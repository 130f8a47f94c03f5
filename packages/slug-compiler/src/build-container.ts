import { join } from 'node:path';
import type { ContainerSpec, Mount } from '@paas/runtime';
import type { BuildPaths } from './layout.js';
import { DYNO_GID, DYNO_UID, shortId } from './layout.js';
import type { BuildLimits, SlugCompilerOptions } from './types.js';

/** Where the stack (Debian) looks for CAs; the host's bundle replaces it when configured. */
export const CONTAINER_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** Name of the stack as buildpacks see it in `$STACK`. */
export const STACK_NAME = 'paas-bookworm';
/** The driver script, relative to the buildpacks directory. */
export const DRIVER_SCRIPT = 'driver.sh';

export interface BuildContainerInput {
  options: SlugCompilerOptions;
  limits: Required<BuildLimits>;
  buildId: string;
  app: { id: string; name: string };
  /** Host directories of this build, mounted at /app, /env and /out. */
  paths: BuildPaths;
  /** The app's cache on the host, mounted at /cache. */
  cacheDir: string;
}

/** Labels that find a build's containers again, to remove them whatever happened. */
export function buildLabels(app: { id: string }, buildId: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...extra, 'paas.managed': '1', 'paas.kind': 'build', 'paas.app_id': app.id, 'paas.build_id': buildId };
}

/**
 * The one container a build runs: the stack image running the buildpack driver as the dyno user, with
 * every capability dropped, bounded memory, CPU and processes, and only the directories it needs.
 */
export function buildContainerSpec(input: BuildContainerInput): ContainerSpec {
  const { options, limits, paths } = input;
  const mounts: Mount[] = [
    { source: paths.app, target: '/app', readOnly: false },
    { source: input.cacheDir, target: '/cache', readOnly: false },
    { source: paths.env, target: '/env', readOnly: true },
    { source: options.buildpacksDir, target: '/buildpacks', readOnly: true },
    { source: paths.out, target: '/out', readOnly: false },
  ];
  if (options.caBundlePath !== undefined) {
    mounts.push({ source: options.caBundlePath, target: CONTAINER_CA_BUNDLE, readOnly: true });
  }
  const env: Record<string, string> = {
    STACK: STACK_NAME,
    HOME: '/app',
    CI: 'true',
    NODE_EXTRA_CA_CERTS: CONTAINER_CA_BUNDLE,
  };
  if (options.npmRegistry !== undefined) env.NPM_CONFIG_REGISTRY = options.npmRegistry;
  return {
    name: `paas-build-${input.app.name}-${shortId(input.buildId)}`,
    image: options.stackImage,
    cmd: ['bash', join('/buildpacks', DRIVER_SCRIPT)],
    env,
    labels: buildLabels(input.app, input.buildId, options.labels),
    user: `${DYNO_UID}:${DYNO_GID}`,
    workingDir: '/app',
    network: options.network,
    mounts,
    memoryBytes: limits.memoryBytes,
    nanoCpus: limits.nanoCpus,
    pidsLimit: limits.pidsLimit,
    hardened: true,
    init: true,
    stopTimeoutSec: 5,
  };
}

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PaasError } from '@paas/core';

/** The stack's `dyno` user: builds run as it and every file of a slug belongs to it. */
export const DYNO_UID = 1000;
export const DYNO_GID = 1000;

/** The buildpacks shipped with this package (`order` lists them; `driver.sh` runs them in a build). */
export const DEFAULT_BUILDPACKS_DIR = fileURLToPath(new URL('../buildpacks', import.meta.url));

/** Where one build keeps its files on the host; all of it is removed when the build ends. */
export interface BuildPaths {
  /** `<dataDir>/builds/<buildId>`, root's and 0700. */
  root: string;
  /** The source tree, mounted at /app in the build container; becomes the slug. */
  app: string;
  /** ENV_DIR: one file per config var. */
  env: string;
  /** Written by the build driver: the detected buildpack name and `bin/release` output. */
  out: string;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Ids become directory names; refuse anything that could climb out of the data dir. */
function pathSegment(kind: string, value: string): string {
  if (!SEGMENT.test(value)) throw new PaasError('invalid_params', `Invalid ${kind} ${JSON.stringify(value)}`);
  return value;
}

export function buildPaths(dataDir: string, buildId: string): BuildPaths {
  const root = join(dataDir, 'builds', pathSegment('build id', buildId));
  return { root, app: join(root, 'app'), env: join(root, 'env'), out: join(root, 'out') };
}

export function cacheDir(dataDir: string, appId: string): string {
  return join(dataDir, 'cache', pathSegment('app id', appId));
}

export function slugsDir(dataDir: string): string {
  return join(dataDir, 'slugs');
}

/** A short, name-safe form of an id for container names. */
export function shortId(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 12) || 'x';
}

import type { ProcessTypes } from '@paas/core';

/** Limits of one build; every one is configurable by the operator and reported clearly when hit. */
export interface BuildLimits {
  /** Bytes of the extracted source tree (a gzip bomb stops here). */
  maxExtractedBytes: number;
  /** Entries in the source tarball. */
  maxFiles: number;
  /** Bytes of the compressed slug (Heroku: 500 MB). */
  maxSlugBytes: number;
  /** Wall time of the buildpack run (Heroku: 15 minutes). */
  timeoutMs: number;
  /** Memory limit of the build container. */
  memoryBytes: number;
  /** CPU quota of the build container, in billionths of a CPU. */
  nanoCpus: number;
  /** Builds running at once; more wait in a queue. */
  concurrency: number;
  /** Processes and threads the build container may have at once (a fork bomb stops here). */
  pidsLimit?: number;
}

export interface SlugCompilerOptions {
  /** Root of the platform's data: `slugs/`, `cache/<appId>/`, `builds/<buildId>/` live under it. */
  dataDir: string;
  /** Docker image of the stack builds and dynos run on, e.g. `paas/stack:1a2b3c4d5e6f`. */
  stackImage: string;
  /** Directory of buildpacks, each a Heroku buildpack (`bin/detect`, `bin/compile`, `bin/release`). */
  buildpacksDir: string;
  /** Network the build container joins (it needs the package registry). */
  network: string;
  limits: BuildLimits;
  /** npm registry URL passed to builds, so they install from the registry the host uses. */
  npmRegistry?: string;
  /** CA bundle on the host mounted into builds for TLS to the registry. */
  caBundlePath?: string;
  /**
   * Extra labels of every container a build creates (e.g. the platform's id), so the platform finds
   * its own leftovers after a crash, and only its own when engines are shared.
   */
  labels?: Readonly<Record<string, string>>;
}

export interface CompileRequest {
  buildId: string;
  app: { id: string; name: string };
  /** Path of the uploaded gzip tarball of the app's source. */
  sourcePath: string;
  /** Config vars, written to the buildpack's ENV_DIR (one file per var). */
  env: Record<string, string>;
  signal?: AbortSignal;
}

export interface CompiledSlug {
  /** `SHA256:<hex>` of the slug tarball; slugs are stored content-addressed. */
  checksum: string;
  path: string;
  size: number;
  /** Local Docker image: the stack with the slug at /app owned by the dyno user. */
  image: string;
  processTypes: ProcessTypes;
  /** Name the buildpack printed from `bin/detect`, e.g. `Node.js`. */
  buildpack: string;
}

/** A line of build output, in Heroku's grammar (`-----> Step`, six-space details, ` !     ` errors). */
export type BuildOutput = (line: string) => void;

export interface SlugCompiler {
  /**
   * Runs the buildpacks over the source in a build container and stores the slug. Waits for a free build
   * slot first (reported on `output`). Throws a PaasError: `source_invalid`, `source_too_large`,
   * `no_buildpack`, `slug_compile_failed`, `slug_too_large`, `build_timeout`.
   */
  compile(request: CompileRequest, output: BuildOutput): Promise<CompiledSlug>;
  /** Recreates the slug's image if it was removed (rollback to an old release, restore). */
  ensureImage(slug: { checksum: string; path: string; app: { id: string; name: string } }): Promise<string>;
  /** Builds waiting for a slot. */
  queued(): number;
}

import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PaasError, type Logger } from '@paas/core';
import type { ContainerRuntime } from '@paas/runtime';

/** Repository of the stack image; the tag is a hash of its recipe, so a changed recipe means a new image. */
export const STACK_REPOSITORY = 'paas/stack';

/**
 * The stack's tag: a hash of every file of the recipe and of the Node.js version copied into it, so the
 * image is rebuilt exactly when one of them changes.
 */
export function stackImageTag(recipeDir: string, nodeVersion: string = process.version): string {
  const hash = createHash('sha256');
  for (const file of listFiles(recipeDir)) {
    hash.update(relative(recipeDir, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  hash.update(`node ${nodeVersion}`);
  return `${STACK_REPOSITORY}:${hash.digest('hex').slice(0, 12)}`;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}

/** Builds the stack image when it is missing (about a minute), streaming the recipe's output. */
export async function ensureStackImage(options: {
  runtime: ContainerRuntime;
  recipeDir: string;
  logger: Logger;
  onOutput?: (chunk: string) => void;
}): Promise<string> {
  const tag = stackImageTag(options.recipeDir);
  if (await options.runtime.imageExists(tag)) return tag;
  options.logger.info({ tag }, 'building the stack image');
  const child = spawn('bash', [join(options.recipeDir, 'build.sh'), tag], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PAAS_STACK_NODE: process.execPath },
  });
  let tail = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-4000);
    options.onOutput?.(text);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0 || !(await options.runtime.imageExists(tag))) {
    throw new PaasError('stack_missing', `Building the stack image ${tag} failed (exit ${code}):\n${tail}`);
  }
  options.logger.info({ tag }, 'stack image built');
  return tag;
}

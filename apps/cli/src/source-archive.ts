import { lstat, readFile, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { create as createTar } from 'tar';

interface Scope {
  /** Directory (relative to the root, posix, '' for the root) the rules are relative to. */
  base: string;
  rules: Ignore;
}

export interface PackResult {
  files: number;
  bytes: number;
}

/**
 * The app's source as `push` sends it: every file under `dir` except `.git`, what `.gitignore` files
 * exclude (at any depth, relative to where they are) and what `.slugignore` excludes.
 */
export async function listSourceFiles(dir: string): Promise<{ entries: string[]; files: number; bytes: number }> {
  const entries: string[] = [];
  let files = 0;
  let bytes = 0;
  const rootScopes: Scope[] = [];
  const slugignore = await readRules(join(dir, '.slugignore'));
  if (slugignore) rootScopes.push({ base: '', rules: slugignore });

  const walk = async (rel: string, scopes: Scope[]): Promise<void> => {
    const abs = rel === '' ? dir : join(dir, rel);
    const gitignore = await readRules(join(abs, '.gitignore'));
    const here = gitignore ? [...scopes, { base: rel, rules: gitignore }] : scopes;
    const names = (await readdir(abs)).sort();
    for (const name of names) {
      if (rel === '' && name === '.git') continue;
      const path = rel === '' ? name : posix.join(rel, name);
      const stat = await lstat(join(dir, path));
      const isDir = stat.isDirectory();
      if (isIgnored(here, path, isDir)) continue;
      entries.push(path);
      if (isDir) {
        await walk(path, here);
      } else {
        files++;
        bytes += stat.size;
      }
    }
  };
  await walk('', rootScopes);
  return { entries, files, bytes };
}

function isIgnored(scopes: Scope[], path: string, isDir: boolean): boolean {
  for (const scope of scopes) {
    const rel = scope.base === '' ? path : path.startsWith(`${scope.base}/`) ? path.slice(scope.base.length + 1) : undefined;
    if (rel !== undefined && scope.rules.ignores(isDir ? `${rel}/` : rel)) return true;
  }
  return false;
}

async function readRules(file: string): Promise<Ignore | undefined> {
  try {
    return ignore().add(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes the source of `dir` as a gzip tarball to `file`. */
export async function packSource(dir: string, file: string): Promise<PackResult> {
  const { entries, files, bytes } = await listSourceFiles(dir);
  // portable: no user names or ids from this machine; noDirRecurse: the list already holds what to send.
  await createTar({ gzip: true, cwd: dir, file, portable: true, noDirRecurse: true }, entries.length ? entries : []);
  return { files, bytes };
}

import { createReadStream } from 'node:fs';
import { lchown } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Unpack, type ReadEntry } from 'tar';
import { PaasError } from '@paas/core';

export interface ExtractOptions {
  /** Bytes of file content the archive may declare in total. */
  maxBytes: number;
  /** Entries (files, directories, symlinks) the archive may hold. */
  maxFiles: number;
  /** Owner given to every extracted entry; left as the process's user when unset. */
  owner?: { uid: number; gid: number };
}

export interface ExtractResult {
  /** Entries extracted (files, directories, symlinks). */
  files: number;
  /** Bytes of file content. */
  bytes: number;
}

const ALLOWED = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink']);
const DESCRIBED: Record<string, string> = {
  Link: 'a hard link',
  CharacterDevice: 'a character device',
  BlockDevice: 'a block device',
  FIFO: 'a FIFO',
};
/** Host-side failures (disk full, permissions) are the platform's fault, not the archive's. */
const HOST_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EMFILE', 'ENFILE', 'EACCES', 'EPERM', 'EROFS', 'ENOMEM']);
/** Tar framing per entry (header, pax header and padding) allowed on top of the declared content. */
const OVERHEAD_PER_ENTRY = 4096;
/** Symlink hops followed while checking a link target, as the kernel's own limit. */
const MAX_LINK_HOPS = 40;

/**
 * Extracts an uploaded gzip tarball into `dest` (which must exist), streaming. Refuses absolute paths,
 * `..`, hard links, devices, FIFOs and symlinks that resolve outside the tree (`source_invalid`); strips
 * setuid, setgid and sticky bits; stops with `source_too_large` at the first header past a limit, and
 * when the inflated stream itself grows past what the limits allow (a gzip bomb of padding).
 */
export async function extractSource(archivePath: string, dest: string, options: ExtractOptions): Promise<ExtractResult> {
  const symlinks = new Map<string, string>();
  let files = 0;
  let bytes = 0;
  let failure: PaasError | undefined;

  const unpack = new Unpack({
    cwd: dest,
    strict: true,
    preservePaths: false,
    ...(options.owner ? { uid: options.owner.uid, gid: options.owner.gid } : { preserveOwner: false }),
    filter: (path, entry) => {
      const problem = checkEntry(path, entry as ReadEntry);
      if (problem) {
        failure ??= problem;
        unpack.abort(problem);
        return false;
      }
      return true;
    },
  });

  const checkEntry = (path: string, entry: ReadEntry): PaasError | undefined => {
    const name = JSON.stringify(path);
    if (path.startsWith('/')) return invalid(`Archive entry ${name} has an absolute path`);
    if (path.split('/').includes('..')) return invalid(`Archive entry ${name} contains ".." and would climb out of the app`);
    const described = DESCRIBED[entry.type];
    if (described) return invalid(`Archive entry ${name} is ${described}, which apps may not contain`);
    if (!ALLOWED.has(entry.type)) return invalid(`Archive entry ${name} has an unsupported type (${entry.type})`);
    files += 1;
    if (files > options.maxFiles) {
      return new PaasError('source_too_large', `The source has more than ${options.maxFiles} files (at ${name})`);
    }
    bytes += entry.size ?? 0;
    if (bytes > options.maxBytes) {
      return new PaasError('source_too_large', `The source is larger than ${options.maxBytes} bytes when extracted (at ${name})`);
    }
    const key = normalize(path);
    if (entry.type === 'SymbolicLink') {
      const target = entry.linkpath ?? '';
      symlinks.set(key, target);
      if (escapes(key, symlinks)) return invalid(`Archive entry ${name} is a symlink to ${JSON.stringify(target)}, outside the app`);
    } else {
      symlinks.delete(key);
    }
    // The build runs unprivileged and dynos must not gain privileges from a file mode.
    if (typeof entry.mode === 'number') entry.mode &= 0o777;
    return undefined;
  };

  const rawLimit = options.maxBytes + (options.maxFiles + 2) * OVERHEAD_PER_ENTRY;
  const source = createReadStream(archivePath);
  const gunzip = createGunzip();
  const counter = createByteLimit(rawLimit, () => new PaasError('source_too_large', `The source inflates to more than ${rawLimit} bytes`));

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      if (err === undefined) return resolve();
      source.destroy();
      gunzip.destroy();
      counter.destroy();
      reject(err);
    };
    source.once('error', (err) => finish(new PaasError('internal_error', 'Cannot read the uploaded source', { cause: err })));
    gunzip.once('error', (err) => finish(invalid(`The source is not a valid gzip tarball (${err.message})`, err)));
    counter.once('error', (err) => finish(err));
    unpack.on('error', (err: Error) => finish(failure ?? classify(err, dest)));
    unpack.once('close', () => finish());
    source.pipe(gunzip).pipe(counter).pipe(unpack as unknown as NodeJS.WritableStream);
  });

  // A link may be declared before a link it passes through; check every one against the final tree.
  for (const key of symlinks.keys()) {
    if (escapes(key, symlinks)) {
      throw invalid(`Archive entry ${JSON.stringify(key)} is a symlink to ${JSON.stringify(symlinks.get(key))}, outside the app`);
    }
  }
  // tar does not chown symlinks; the dyno user must own everything in its tree.
  if (options.owner) {
    const { uid, gid } = options.owner;
    await Promise.all([...symlinks.keys()].map((key) => lchown(join(dest, key), uid, gid)));
  }
  return { files, bytes };
}

function invalid(message: string, cause?: unknown): PaasError {
  return new PaasError('source_invalid', message, cause === undefined ? undefined : { cause });
}

function classify(err: Error & { code?: unknown; entry?: { path?: unknown } }, dest: string): PaasError {
  if (err instanceof PaasError) return err;
  const code = typeof err.code === 'string' ? err.code : '';
  if (HOST_ERRNOS.has(code)) return new PaasError('internal_error', `Cannot write the extracted source: ${err.message}`, { cause: err });
  const where = typeof err.entry?.path === 'string' ? ` (entry ${JSON.stringify(err.entry.path)})` : '';
  // The user sees this message: no host paths in it.
  const message = err.message.replace(/^TAR_[A-Z_]+: /, '').replaceAll(`${dest}/`, '').replaceAll(dest, '.');
  return invalid(`The source archive is invalid: ${message}${where}`, err);
}

function normalize(path: string): string {
  const n = posix.normalize(path).replace(/\/+$/, '');
  return n === '.' ? '' : n.replace(/^\.\//, '');
}

/**
 * Whether the symlink at `key` resolves outside the tree, following the archive's other symlinks (a
 * lexical check alone misses `a -> .` then `b -> a/..`). Loops count as escaping.
 */
export function escapes(key: string, links: ReadonlyMap<string, string>): boolean {
  const start = links.get(key);
  if (start === undefined) return false;
  if (start.startsWith('/')) return true;
  const resolved = key.split('/').slice(0, -1);
  const pending = start.split('/');
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (resolved.length === 0) return true;
      resolved.pop();
      continue;
    }
    resolved.push(part);
    const target = links.get(resolved.join('/'));
    if (target === undefined) continue;
    if (target.startsWith('/') || ++hops > MAX_LINK_HOPS) return true;
    // The link's target replaces it, relative to the directory holding it.
    resolved.pop();
    pending.unshift(...target.split('/'));
  }
  return false;
}

/** Passes bytes through and fails as soon as more than `limit` went by. */
function createByteLimit(limit: number, error: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) return cb(error());
      cb(null, chunk);
    },
  });
}

import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pack, type WriteEntry } from 'tar';
import { PaasError } from '@paas/core';
import { DYNO_GID, DYNO_UID } from './layout.js';

export interface StoredSlug {
  /** `SHA256:<hex>` of the gzip tarball. */
  checksum: string;
  /** The same digest alone, as in the file name. */
  hex: string;
  /** `<slugsDir>/<hex>.tgz`. */
  path: string;
  /** Bytes of the compressed slug. */
  size: number;
}

/**
 * One fixed time for every entry, so that building the same source twice gives the same bytes and the
 * content-addressed store keeps one copy (and the image tag stays the same).
 */
const SLUG_TIME = new Date('2000-01-01T00:00:00Z');

/**
 * Tars `<buildRoot>/app` as the slug (entries under `app/`, owned by the dyno user, no setuid bits),
 * gzipped, hashing while writing, and stores it at `<slugsDir>/<hex>.tgz` via a temp name and a rename.
 * Stops with `slug_too_large` as soon as the compressed size passes `maxBytes`.
 */
export async function storeSlug(buildRoot: string, slugsDir: string, maxBytes: number): Promise<StoredSlug> {
  await mkdir(slugsDir, { recursive: true, mode: 0o700 });
  const temp = join(slugsDir, `.tmp-${randomBytes(8).toString('hex')}.tgz`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      size += chunk.length;
      if (size > maxBytes) {
        return cb(new PaasError('slug_too_large', `The compiled slug is larger than the ${formatSize(maxBytes)} limit`));
      }
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const pack = new Pack({
    cwd: buildRoot,
    gzip: true,
    mtime: SLUG_TIME,
    onWriteEntry: (entry: WriteEntry) => {
      const stat = entry.stat;
      if (!stat) return;
      // Whatever the build left behind, the slug's files belong to the dyno user and grant nothing more.
      stat.uid = DYNO_UID;
      stat.gid = DYNO_GID;
      stat.mode &= ~0o7000;
      // Host-specific facts would make identical builds differ (tar writes them in headers and pax).
      stat.atime = SLUG_TIME;
      stat.ctime = SLUG_TIME;
      stat.dev = 0;
      stat.ino = 0;
    },
  });
  pack.add('app');
  pack.end();
  try {
    await pipeline(pack, meter, createWriteStream(temp, { mode: 0o600 }));
  } catch (err) {
    await rm(temp, { force: true });
    if (err instanceof PaasError) throw err;
    throw new PaasError('internal_error', 'Cannot write the slug', { cause: err });
  }
  const hex = hash.digest('hex');
  const path = join(slugsDir, `${hex}.tgz`);
  // Same content, same name: an existing slug is replaced by identical bytes.
  await rename(temp, path);
  return { checksum: `SHA256:${hex}`, hex, path, size };
}

/** `12.3K`, `4.5M`: sizes as Heroku prints them. */
export function formatSize(bytes: number): string {
  const units = ['K', 'M', 'G'];
  let value = bytes;
  let unit = 'B';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return unit === 'B' ? `${bytes}B` : `${value.toFixed(1)}${unit}`;
}

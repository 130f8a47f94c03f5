import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Why a file the build left behind could not be read. */
export class UnsafeFileError extends Error {
  override readonly name = 'UnsafeFileError';
}

/**
 * Reads a small text file from a tree that untrusted code wrote (the app, a buildpack). The platform
 * reads it as root, so it never follows a symlink (it could point at a host secret), never blocks on a
 * FIFO, and never reads more than `maxBytes`. Resolves undefined when the file does not exist.
 */
export async function readSmallFile(path: string, maxBytes: number): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new UnsafeFileError('it is a symlink, not a regular file');
    throw err;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new UnsafeFileError('it is not a regular file');
    if (info.size > maxBytes) throw new UnsafeFileError(`it is larger than ${maxBytes} bytes`);
    const buffer = Buffer.alloc(maxBytes + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > maxBytes) throw new UnsafeFileError(`it is larger than ${maxBytes} bytes`);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

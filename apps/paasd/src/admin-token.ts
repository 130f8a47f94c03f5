import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The admin token: given, or read from the data directory, or generated there once (mode 0600). */
export function resolveAdminToken(dataDir: string, given: string | undefined): { token: string; file: string | undefined } {
  const file = join(dataDir, 'admin-token');
  if (given) return { token: given, file: undefined };
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing) return { token: existing, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, file };
}

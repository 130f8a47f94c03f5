import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAesGcmBox, type SecretBox, type SecretKey, type Store } from '@paas/store';

/** The key file: readable by root only, next to the database it protects (and in every backup). */
export const SECRET_KEY_FILE = 'secrets.key';

interface KeyFile {
  keys: { id: string; key: string; createdAt: string }[];
}

export function loadSecretKeys(dataDir: string): SecretKey[] {
  const path = join(dataDir, SECRET_KEY_FILE);
  if (!existsSync(path)) {
    writeKeyFile(path, { keys: [newKey()] });
  }
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  if (!Array.isArray(parsed.keys) || parsed.keys.length === 0) throw new Error(`${path} holds no key`);
  return parsed.keys.map((k) => ({ id: k.id, key: Buffer.from(k.key, 'base64') }));
}

export function secretBox(dataDir: string): SecretBox {
  return createAesGcmBox(loadSecretKeys(dataDir));
}

/**
 * Rotates the key: a new current key, every secret resealed with it in one transaction, then the old
 * keys dropped. `store` opens the database with the box it is given.
 */
export function rotateSecretKey(dataDir: string, store: (box: SecretBox) => Store): { resealed: number } {
  const path = join(dataDir, SECRET_KEY_FILE);
  const current = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  const fresh = newKey();
  // Written before resealing: a crash in between leaves both keys on disk, never a value without its key.
  writeKeyFile(path, { keys: [fresh, ...current.keys] });
  const s = store(secretBox(dataDir));
  let resealed: number;
  try {
    resealed = s.resealSecrets();
  } finally {
    s.close();
  }
  writeKeyFile(path, { keys: [fresh] });
  return { resealed };
}

function newKey(): KeyFile['keys'][number] {
  return { id: randomBytes(4).toString('hex'), key: randomBytes(32).toString('base64'), createdAt: new Date().toISOString() };
}

function writeKeyFile(path: string, content: KeyFile): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

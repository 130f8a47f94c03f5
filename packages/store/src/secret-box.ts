import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Encrypts secrets (config vars, private keys) before they reach the database. */
export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
  /** Whether `sealed` was sealed with the current key (rotation re-seals the others). */
  isCurrent(sealed: string): boolean;
}

export interface SecretKey {
  /** Short id stored with each sealed value, so a rotation can tell old values from new. */
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

const PREFIX = 'enc:v1:';

/**
 * AES-256-GCM with a random 96-bit IV per value: `enc:v1:<key id>:<base64 iv|tag|ciphertext>`. Opens
 * values sealed with any of `keys` (the first one seals), and passes through values stored before
 * encryption was introduced, which the next write or rotation seals.
 */
export function createAesGcmBox(keys: SecretKey[]): SecretBox {
  const [current] = keys;
  if (!current) throw new Error('at least one key is needed');
  for (const k of keys) if (k.key.length !== 32) throw new Error(`key ${k.id} is not 32 bytes`);
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${PREFIX}${current.id}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open(sealed) {
      if (!sealed.startsWith(PREFIX)) return sealed;
      const rest = sealed.slice(PREFIX.length);
      const colon = rest.indexOf(':');
      const key = byId.get(rest.slice(0, colon));
      if (colon < 0 || !key) throw new Error(`a secret is sealed with an unknown key (${rest.slice(0, Math.max(0, colon))}); is the key file missing?`);
      const raw = Buffer.from(rest.slice(colon + 1), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
    isCurrent: (sealed) => sealed.startsWith(`${PREFIX}${current.id}:`),
  };
}

/** No encryption: for tests that do not care. */
export const plainBox: SecretBox = { seal: (s) => s, open: (s) => s, isCurrent: () => true };

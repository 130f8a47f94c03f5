import { PaasError, isConfigKey } from '@paas/core';

/** Names the platform sets in every dyno; a config var may not override them. */
export const RESERVED_CONFIG_KEYS: ReadonlySet<string> = new Set(['PORT', 'DYNO']);

export interface ConfigChange {
  next: Record<string, string>;
  /** Keys given a new or changed value. */
  set: string[];
  /** Keys that existed and were removed. */
  removed: string[];
}

/**
 * Applies a Platform-API style patch (`null` unsets) to the current config vars. Validates every key,
 * refuses reserved ones, and bounds the total size of keys and values (UTF-8 bytes). Error messages name
 * keys, never values: values are secrets.
 */
export function applyConfigPatch(current: Record<string, string>, patch: Record<string, string | null>, maxBytes: number): ConfigChange {
  const next = { ...current };
  const set: string[] = [];
  const removed: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (!isConfigKey(key)) throw invalidKey(key);
    if (RESERVED_CONFIG_KEYS.has(key)) {
      throw new PaasError('invalid_params', `${key} is set by the platform in every dyno and cannot be a config var.`);
    }
    if (value === null) {
      if (Object.hasOwn(next, key)) {
        delete next[key];
        removed.push(key);
      }
    } else if (typeof value !== 'string') {
      throw new PaasError('invalid_params', `The value of ${key} must be a string (or null to unset it).`);
    } else if (next[key] !== value) {
      next[key] = value;
      set.push(key);
    }
  }
  const size = configSize(next);
  if (size > maxBytes) {
    throw new PaasError(
      'config_too_large',
      `Config vars would take ${size} bytes, over the limit of ${maxBytes} bytes for all keys and values together. Keep large data out of the environment.`,
      { details: { size, limit: maxBytes } },
    );
  }
  return { next, set, removed };
}

function invalidKey(key: string): PaasError {
  return new PaasError(
    'invalid_params',
    `Invalid config var name ${JSON.stringify(key.slice(0, 64))}: use letters, digits and underscores, not starting with a digit.`,
  );
}

export function configSize(config: Record<string, string>): number {
  let bytes = 0;
  for (const [k, v] of Object.entries(config)) bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  return bytes;
}

/** Release description in Heroku's words: `Set FOO, BAR config vars`, `Remove FOO config vars`. */
export function describeConfigChange(change: Pick<ConfigChange, 'set' | 'removed'>): string {
  const list = (keys: string[]) => keys.join(', ');
  if (change.set.length && change.removed.length) return `Set ${list(change.set)} and remove ${list(change.removed)} config vars`;
  if (change.removed.length) return `Remove ${list(change.removed)} config vars`;
  return `Set ${list(change.set)} config vars`;
}

import { PaasError } from './errors.js';

/** Heroku's rule for app names: they become DNS labels, so lower-case and at most 30 characters. */
export const APP_NAME_PATTERN = /^[a-z][a-z0-9-]{1,29}$/;
/** Process types as Heroku accepts them in a Procfile. */
export const PROCESS_TYPE_PATTERN = /^[a-zA-Z0-9_-]{1,30}$/;
/** Config var keys: what a POSIX shell accepts as a variable name. */
export const CONFIG_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Dyno names: `web.1`, `run.12`. */
export const DYNO_NAME_PATTERN = /^([a-zA-Z0-9_-]{1,30})\.([1-9][0-9]{0,4})$/;

export function isAppName(name: unknown): name is string {
  return typeof name === 'string' && APP_NAME_PATTERN.test(name) && !name.endsWith('-') && !name.includes('--');
}

export function assertAppName(name: unknown): asserts name is string {
  if (!isAppName(name)) {
    throw new PaasError(
      'invalid_app_name',
      `Invalid app name ${JSON.stringify(name)}: use 2 to 30 lower-case letters, digits and dashes, starting with a letter.`,
    );
  }
}

export function isProcessType(value: unknown): value is string {
  return typeof value === 'string' && PROCESS_TYPE_PATTERN.test(value);
}

export function isConfigKey(value: unknown): value is string {
  return typeof value === 'string' && CONFIG_KEY_PATTERN.test(value) && value.length <= 256;
}

export function parseDynoName(name: string): { type: string; index: number } | undefined {
  const m = DYNO_NAME_PATTERN.exec(name);
  return m ? { type: m[1]!, index: Number(m[2]) } : undefined;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A host name as routed: lower-case DNS labels, at most 253 characters, optionally with a leading `*.`
 * wildcard label. Returns the normalised name or undefined.
 */
export function normalizeHostname(input: string, options: { wildcard?: boolean } = {}): string | undefined {
  let host = input.trim().toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.length === 0 || host.length > 253) return undefined;
  const labels = host.split('.');
  if (options.wildcard && labels[0] === '*') labels.shift();
  if (labels.length === 0) return undefined;
  return labels.every((l) => LABEL.test(l)) ? host : undefined;
}

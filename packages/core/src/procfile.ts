import { PaasError } from './errors.js';
import { PROCESS_TYPE_PATTERN } from './names.js';

/** Process type name to the command it runs, as declared in a Procfile. */
export type ProcessTypes = Record<string, string>;

/**
 * Parses a Procfile: one `type: command` per line; blank lines and `#` comments are ignored.
 * Throws `invalid_procfile` naming the line, because a silently ignored typo means a missing web dyno.
 */
export function parseProcfile(text: string): ProcessTypes {
  const types: ProcessTypes = {};
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    const command = colon > 0 ? line.slice(colon + 1).trim() : '';
    if (!PROCESS_TYPE_PATTERN.test(name) || command === '') {
      throw new PaasError('invalid_procfile', `Procfile line ${i + 1} is not "type: command": ${JSON.stringify(raw)}`);
    }
    if (Object.hasOwn(types, name)) {
      throw new PaasError('invalid_procfile', `Procfile line ${i + 1} declares process type "${name}" twice`);
    }
    types[name] = command;
  });
  return types;
}

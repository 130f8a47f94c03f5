import { parse as parseYaml } from 'yaml';
import { PaasError, isProcessType, parseProcfile, type ProcessTypes } from '@paas/core';

/**
 * Reads `default_process_types` from a buildpack's `bin/release` output (YAML). Other keys (Heroku's
 * legacy `addons`, `config_vars`) are ignored. Malformed output fails the build: it is the buildpack's bug.
 */
export function parseReleaseOutput(text: string, buildpack: string): ProcessTypes {
  let doc: unknown;
  try {
    doc = text.trim() === '' ? {} : parseYaml(text);
  } catch (err) {
    throw new PaasError('slug_compile_failed', `The ${buildpack} buildpack's bin/release printed invalid YAML`, { cause: err });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PaasError('slug_compile_failed', `The ${buildpack} buildpack's bin/release did not print a YAML mapping`);
  }
  const types = (doc as { default_process_types?: unknown }).default_process_types;
  if (types === undefined || types === null) return {};
  if (typeof types !== 'object' || Array.isArray(types)) {
    throw new PaasError('slug_compile_failed', `The ${buildpack} buildpack's default_process_types is not a mapping`);
  }
  const result: ProcessTypes = {};
  for (const [name, command] of Object.entries(types)) {
    if (!isProcessType(name) || typeof command !== 'string' || command.trim() === '') {
      throw new PaasError('slug_compile_failed', `The ${buildpack} buildpack declared an invalid process type ${JSON.stringify(name)}`);
    }
    result[name] = command.trim();
  }
  return result;
}

export interface DiscoveredProcessTypes {
  processTypes: ProcessTypes;
  /** Build output in Heroku's words. */
  lines: string[];
}

/**
 * The Procfile wins over the buildpack's defaults, type by type, as on Heroku. An invalid Procfile
 * throws core's `invalid_procfile` error, which fails the build with its message.
 */
export function discoverProcessTypes(procfile: string | undefined, defaults: ProcessTypes): DiscoveredProcessTypes {
  const declared = procfile === undefined ? undefined : parseProcfile(procfile);
  const processTypes: ProcessTypes = { ...defaults, ...declared };
  const lines = ['-----> Discovering process types'];
  if (declared !== undefined) lines.push(`       Procfile declares types     -> ${listOrNone(Object.keys(declared))}`);
  const fromBuildpack = Object.keys(defaults).filter((t) => !declared || !Object.hasOwn(declared, t));
  if (fromBuildpack.length > 0 || declared === undefined) {
    lines.push(`       Default types for buildpack -> ${listOrNone(fromBuildpack)}`);
  }
  return { processTypes, lines };
}

function listOrNone(names: string[]): string {
  return names.length === 0 ? '(none)' : names.join(', ');
}

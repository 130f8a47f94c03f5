import { join } from 'node:path';
import { PaasError } from '@paas/core';
import { DEFAULT_ROUTER_OPTIONS, type RouterOptions } from '@paas/router';

/** Everything the router process takes from its environment, read once at start. */
export interface RouterConfig {
  readonly port: number;
  readonly host: string;
  /** HTTPS port (SNI with the route table's certificates); undefined when TLS is off. */
  readonly tlsPort: number | undefined;
  /** Loopback port of `/healthz` and `/metrics`; undefined when off. */
  readonly adminPort: number | undefined;
  /** Worker processes sharing the ports (one per core is the most useful). */
  readonly workers: number;
  /** How long a reload waits for the new workers to listen before it gives up and keeps the old ones. */
  readonly reloadTimeoutMs: number;
  /** Time between reports of access lines and metrics to the control plane. */
  readonly reportIntervalMs: number;
  /** Access lines kept while the control plane cannot take them; more are dropped and counted. */
  readonly reportMaxLines: number;
  /** Also print every access line on stdout (they go to the control plane in any case). */
  readonly accessLogStdout: boolean;
  readonly logLevel: string;
  /** Base URL of the control API. */
  readonly apiUrl: string;
  readonly apiToken: string;
  readonly dataDir: string;
  /** Where the last applied route table is kept, to serve it at once after a restart. */
  readonly tablePath: string;
  readonly options: Readonly<Required<RouterOptions>>;
}

/** Reads a file's text, or undefined when it does not exist. */
export type ReadText = (path: string) => string | undefined;

/** `requestTimeoutMs` → `PAAS_ROUTER_REQUEST_TIMEOUT_MS`, and so on for every router option. */
export function optionEnvName(option: string): string {
  return `PAAS_ROUTER_${option.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Lowest accepted value per option; 1 for the others (a penalty of 0 turns penalties off). */
const MINIMUM: Partial<Record<keyof RouterOptions, number>> = { backendPenaltyMs: 0, maxHeaderBytes: 1024 };

/**
 * Validates the environment into a frozen config; throws a PaasError (`invalid_params`) naming the
 * variable at fault.
 */
export function loadRouterConfig(env: NodeJS.ProcessEnv, readText: ReadText, cores = 1): RouterConfig {
  const port = integer(env, 'PAAS_ROUTER_PORT', 80, 0, 65535);
  const tlsPort = optionalInteger(env, 'PAAS_ROUTER_TLS_PORT', 0, 65535);
  const adminPort = optionalInteger(env, 'PAAS_ROUTER_ADMIN_PORT', 0, 65535);
  const workersRaw = nonEmpty(env.PAAS_ROUTER_WORKERS);
  const workers = workersRaw?.trim() === 'auto' ? Math.max(1, cores) : integer(env, 'PAAS_ROUTER_WORKERS', 1, 1, 256);
  const reloadTimeoutMs = integer(env, 'PAAS_ROUTER_RELOAD_TIMEOUT_MS', 30_000, 100, 600_000);
  const reportIntervalMs = integer(env, 'PAAS_ROUTER_REPORT_INTERVAL_MS', 1000, 50, 600_000);
  const reportMaxLines = integer(env, 'PAAS_ROUTER_REPORT_MAX_LINES', 10_000, 0, 10_000_000);
  const accessLogStdout = boolean(env, 'PAAS_ROUTER_ACCESS_LOG_STDOUT', false);
  const logLevel = nonEmpty(env.PAAS_LOG_LEVEL)?.trim() ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw invalid('PAAS_LOG_LEVEL', logLevel, 'one of fatal, error, warn, info, debug, trace, silent');
  }
  const host = nonEmpty(env.PAAS_ROUTER_HOST) ?? '0.0.0.0';
  const apiUrl = nonEmpty(env.PAAS_API_URL) ?? 'http://127.0.0.1:8070';
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch {
    throw invalid('PAAS_API_URL', apiUrl, 'an http(s) URL such as http://127.0.0.1:8070');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid('PAAS_API_URL', apiUrl, 'an http(s) URL');
  const dataDir = nonEmpty(env.PAAS_DATA_DIR) ?? '/var/lib/paas';
  const tokenFile = join(dataDir, 'admin-token');
  const apiToken = nonEmpty(env.PAAS_API_TOKEN) ?? nonEmpty(readText(tokenFile)?.trim());
  if (apiToken === undefined) {
    throw new PaasError('invalid_params', `No API token: set PAAS_API_TOKEN or create ${tokenFile}.`);
  }
  const options: Record<string, number> = { ...DEFAULT_ROUTER_OPTIONS };
  for (const key of Object.keys(DEFAULT_ROUTER_OPTIONS) as (keyof RouterOptions)[]) {
    options[key] = integer(env, optionEnvName(key), DEFAULT_ROUTER_OPTIONS[key], MINIMUM[key] ?? 1, 2 ** 31 - 1);
  }
  return Object.freeze({
    port,
    host,
    tlsPort,
    adminPort,
    workers,
    reloadTimeoutMs,
    reportIntervalMs,
    reportMaxLines,
    accessLogStdout,
    logLevel,
    apiUrl,
    apiToken,
    dataDir,
    tablePath: join(dataDir, 'router', 'table.json'),
    options: Object.freeze(options) as unknown as Readonly<Required<RouterOptions>>,
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw invalid(name, raw, `a whole number from ${min} to ${max}`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw invalid(name, raw, `a whole number from ${min} to ${max}`);
  return value;
}

function optionalInteger(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  return nonEmpty(env[name]) === undefined ? undefined : integer(env, name, 0, min, max);
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = nonEmpty(env[name])?.trim().toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === '1' || raw === 'true' || raw === 'yes') return true;
  if (raw === '0' || raw === 'false' || raw === 'no') return false;
  throw invalid(name, raw, '1 or 0');
}

function invalid(name: string, value: string, expected: string): PaasError {
  return new PaasError('invalid_params', `${name}=${JSON.stringify(value)} is invalid: expected ${expected}.`, { details: { variable: name } });
}

import type { RouterOptions } from './types.js';

/** Heroku's published router limits, used unless the process configures others. */
export const DEFAULT_ROUTER_OPTIONS: Readonly<Required<RouterOptions>> = Object.freeze({
  requestTimeoutMs: 30_000,
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 55_000,
  headersTimeoutMs: 10_000,
  // Heroku caps each header line at 8 KB (checked per line in headers.ts); the whole head gets the
  // room of four such lines, as nginx's default large_client_header_buffers does.
  maxHeaderBytes: 32 * 1024,
  keepAliveTimeoutMs: 90_000,
  drainTimeoutMs: 30_000,
  drainIdleMs: 1_000,
  backendPenaltyMs: 5_000,
  maxIdleConnectionsPerBackend: 128,
  backendIdleTimeoutMs: 4_000,
});

/** Fills optional fields from the defaults. */
export function resolveRouterOptions(options: RouterOptions): Readonly<Required<RouterOptions>> {
  return Object.freeze({ ...DEFAULT_ROUTER_OPTIONS, ...stripUndefined(options) });
}

function stripUndefined(options: RouterOptions): Partial<RouterOptions> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v;
  return out as Partial<RouterOptions>;
}

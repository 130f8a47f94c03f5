import type { LogSource } from '@paas/core';

/** A line to add to an app's stream; the stream numbers and timestamps it. */
export interface LogEntry {
  source: LogSource;
  /** `web.1` for app output; `router`, `api`, `web.1`, `logplex` for the platform's lines. */
  dyno: string;
  message: string;
  /** When it happened, ms since the epoch (fraction = µs); now when unset. */
  time?: number;
}

/** Which lines a reader wants. */
export interface LogFilter {
  source?: LogSource;
  /** A dyno (`web.1`, `router`) or a process type (`web` matches `web.1`, `web.2`, ...). */
  dyno?: string;
}

export interface LogQuery extends LogFilter {
  /** The last this many matching lines (default 100). Ignored with `after`. */
  lines?: number;
  /** Resume: every kept line with a higher sequence number. */
  after?: number;
}

export function matches(filter: LogFilter, line: { source: LogSource; dyno: string }): boolean {
  if (filter.source !== undefined && line.source !== filter.source) return false;
  if (filter.dyno !== undefined && line.dyno !== filter.dyno && !line.dyno.startsWith(`${filter.dyno}.`)) return false;
  return true;
}

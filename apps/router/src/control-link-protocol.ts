import type { RouteTable } from '@paas/core';

/** What the control-link thread is started with. */
export interface LinkSettings {
  apiUrl: string;
  apiToken: string;
  userAgent: string;
  routerId: string;
  /** Version of the table the router serves at the start (0: none). */
  since: number;
  /** Where the last applied table is saved. */
  tablePath: string;
}

/** Messages to the thread. */
export type ToThread =
  | { type: 'report'; id: number; json: Uint8Array }
  | { type: 'abort'; id: number }
  | { type: 'applied'; id: number }
  | { type: 'stop-watching'; id: number }
  | { type: 'leave'; id: number };

/** Messages from the thread. */
export type FromThread =
  | { type: 'table'; id: number; table: RouteTable }
  | { type: 'done'; id: number; error?: string }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; obj: Record<string, unknown>; msg: string | undefined };

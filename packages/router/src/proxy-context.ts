import type { Socket } from 'node:net';
import type { Logger } from '@paas/core';
import type { AccessRecord } from './access-log.js';
import type { Exchange } from './exchange.js';
import type { AppEntry } from './route-table.js';
import type { RouterOptions } from './types.js';

/** What an exchange needs from its router. */
export interface ProxyContext {
  readonly options: Readonly<Required<RouterOptions>>;
  readonly logger: Logger;
  readonly now: () => number;
  readonly random: () => number;
  /** The app routed for a Host header value, in the current table. */
  lookup(hostHeader: string): AppEntry | undefined;
  /** The app's entry in the current table (a retry uses the newest backends). */
  entryFor(app: string): AppEntry | undefined;
  /** Watches the exchange for timeouts while it is in flight. */
  track(ex: Exchange): void;
  untrack(ex: Exchange): void;
  /** Writes the router line of a finished request to the app's log. */
  log(app: string, record: AccessRecord): void;
  /** Connects client and dyno after a 101; the exchange is finished by then. */
  tunnel(client: Socket, upstream: Socket, responseHead: string, early: Buffer): void;
}

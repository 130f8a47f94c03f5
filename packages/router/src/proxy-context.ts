import type { Socket } from 'node:net';
import type { Logger } from '@paas/core';
import type { AccessRecord } from './access-log.js';
import type { ClientConnection } from './client-connection.js';
import type { Exchange } from './exchange.js';
import type { AppEntry } from './route-table.js';
import type { UpstreamConnection } from './upstream-connection.js';
import type { RouterOptions } from './types.js';

/** What connections and exchanges need from their router. */
export interface ProxyContext {
  readonly options: Readonly<Required<RouterOptions>>;
  readonly logger: Logger;
  readonly now: () => number;
  readonly random: () => number;
  /** The `Connection`/`Keep-Alive` lines of responses on connections that stay open. */
  readonly keepAliveLine: string;
  /** The app routed for a Host header value, in the current table. */
  lookup(hostHeader: string): AppEntry | undefined;
  /** The app's entry in the current table (a retry uses the newest backends). */
  entryFor(app: string): AppEntry | undefined;
  /** Watches the exchange for timeouts while it is in flight. */
  track(ex: Exchange): void;
  untrack(ex: Exchange): void;
  /** Counts a finished request in its app's metrics and writes its router line to the app's log. */
  log(entry: AppEntry, record: AccessRecord, elapsedMs: number): void;
  /** Connects client and dyno after a 101; the exchange is finished by then. */
  tunnel(client: Socket, upstream: UpstreamConnection, responseHead: string, fromDyno: Buffer, fromClient: Buffer): void;
  /** The connection closed or was handed to a tunnel. */
  forgetConnection(conn: ClientConnection): void;
}

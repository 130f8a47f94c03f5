import type { RouterErrorCode } from './error-codes.js';
import { UpstreamConnection, type ConnectionOwner } from './upstream-connection.js';

export interface PoolLimits {
  maxIdle: number;
  idleTimeoutMs: number;
}

/** Margin kept below a dyno's announced keep-alive timeout, as node:http's Agent does. */
const KEEP_ALIVE_HINT_MARGIN_MS = 1000;

/**
 * One dyno as the router sees it: its pool of idle keep-alive connections, the requests in flight to
 * it (for balancing and draining) and its penalty after a failed connect.
 */
export class Backend implements ConnectionOwner {
  /** Requests in flight (from connection attempt until the response ended). */
  inflight = 0;
  /** Skipped by the balancer until then (ms since epoch). */
  penalizedUntil = 0;
  /** The failure that penalized it, reported when no other backend is left. */
  penaltyCode: RouterErrorCode = 'H21';
  /** No longer in the table: connections are closed once their request ends. */
  retired = false;
  private readonly idle: UpstreamConnection[] = [];
  private drainWaiters: (() => void)[] = [];

  constructor(
    /** Identity across tables: app, dyno and address. */
    readonly key: string,
    readonly app: string,
    readonly dyno: string,
    readonly host: string,
    readonly port: number,
    private readonly limits: PoolLimits,
  ) {}

  /** A pooled connection that is still fresh, else a new one (still connecting). */
  acquire(now: number): UpstreamConnection {
    const idle = this.idle;
    while (idle.length > 0) {
      const conn = idle.pop()!;
      if (conn.closed) continue;
      if (this.expired(conn, now)) {
        conn.destroy();
        continue;
      }
      return conn;
    }
    return new UpstreamConnection(this);
  }

  /** Returns a connection after a complete exchange; it is closed if it cannot be pooled. */
  release(conn: UpstreamConnection, now: number): void {
    const hint = conn.keepAliveHintMs;
    if (this.retired || conn.closed || this.idle.length >= this.limits.maxIdle || (hint > 0 && hint <= KEEP_ALIVE_HINT_MARGIN_MS)) {
      conn.destroy();
      return;
    }
    conn.idleSince = now;
    this.idle.push(conn);
  }

  forget(conn: UpstreamConnection): void {
    const i = this.idle.indexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
  }

  /** Idle connections in the pool. */
  get idleCount(): number {
    return this.idle.length;
  }

  /** Closes pooled connections idle for too long (the oldest are at the bottom of the stack). */
  sweep(now: number): void {
    const idle = this.idle;
    let n = 0;
    while (n < idle.length && this.expired(idle[n]!, now)) n++;
    if (n === 0) return;
    for (const conn of idle.splice(0, n)) conn.destroy();
  }

  isAvailable(now: number): boolean {
    return this.penalizedUntil <= now;
  }

  penalize(code: RouterErrorCode, now: number, ms: number): void {
    this.penaltyCode = code;
    this.penalizedUntil = now + ms;
  }

  /** A request starts using this backend. */
  begin(): void {
    this.inflight++;
  }

  /** A request stops using this backend. */
  end(): void {
    if (--this.inflight === 0 && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Taken out of the table: pooled connections close now, busy ones when their request ends. */
  retire(): void {
    this.retired = true;
    this.closeIdle();
  }

  /** Resolves when no request is in flight to this backend. */
  drained(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  closeIdle(): void {
    for (const conn of this.idle.splice(0)) conn.destroy();
  }

  private expired(conn: UpstreamConnection, now: number): boolean {
    const age = now - conn.idleSince;
    const hint = conn.keepAliveHintMs;
    return age >= this.limits.idleTimeoutMs || (hint > 0 && age >= hint - KEEP_ALIVE_HINT_MARGIN_MS);
  }
}

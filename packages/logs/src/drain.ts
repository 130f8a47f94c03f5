import type { Clock, LogLine, Logger, TimerHandle } from '@paas/core';
import { formatLogTime } from './format.js';
import { overflowMessage } from './rate-budget.js';
import { formatSyslogMessage } from './syslog-frame.js';

/** How a drain reaches its receiver. */
export interface DrainTransport {
  /**
   * Sends RFC 5424 messages (framed by the transport). Resolves `ok` once handed over, `rejected` when
   * the receiver refuses them for good (they are dropped); rejects on a failure worth retrying.
   */
  deliver(messages: string[]): Promise<'ok' | 'rejected'>;
  /** Drops the connection (after a timeout); the next delivery connects again. */
  reset(): void;
  close(): void;
}

export interface DrainOptions {
  /** Lines waiting per drain; beyond it new lines are dropped and counted (reported as L10). */
  queueLines: number;
  /** Lines per delivery (one write, or one POST). */
  batchLines: number;
  /** First retry after this, doubling up to `maxBackoffMs`. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A delivery that takes longer fails, and is retried on a new connection. */
  timeoutMs: number;
}

export const DEFAULT_DRAIN_OPTIONS: DrainOptions = {
  queueLines: 1024,
  batchLines: 200,
  initialBackoffMs: 1000,
  maxBackoffMs: 60_000,
  timeoutMs: 30_000,
};

/** Delay before retry number `attempt` (1-based): initial, doubling, capped. */
export function drainBackoffMs(attempt: number, options: Pick<DrainOptions, 'initialBackoffMs' | 'maxBackoffMs'>): number {
  return Math.min(options.maxBackoffMs, options.initialBackoffMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}

type Queued = Pick<LogLine, 'time' | 'source' | 'dyno' | 'message'>;

/**
 * One drain: a bounded queue and one delivery at a time, retried with backoff. `push` never waits and
 * never throws, so a receiver that is slow, down or hanging blocks nothing but its own queue.
 */
export class Drain {
  private queue: Queued[] = [];
  private dropped = 0;
  private droppedSince = 0;
  private attempts = 0;
  private running = false;
  private closed = false;
  private timer: TimerHandle | undefined;
  /** Deliveries that failed and were retried, for tests and diagnostics. */
  failures = 0;

  constructor(
    private readonly token: string,
    private readonly transport: DrainTransport,
    private readonly options: DrainOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  push(line: Queued): void {
    if (this.closed) return;
    if (this.queue.length >= this.options.queueLines) {
      if (this.dropped === 0) this.droppedSince = this.clock.now();
      this.dropped++;
      return;
    }
    if (this.dropped > 0) {
      // Room again: tell the receiver what it missed, in its place in the stream.
      const message = overflowMessage(this.dropped, this.droppedSince);
      this.queue.push({ time: formatLogTime(this.clock.now()), source: 'paas', dyno: 'logplex', message });
      this.dropped = 0;
    }
    this.queue.push(line);
    this.kick();
  }

  close(): void {
    this.closed = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.queue = [];
    this.transport.close();
  }

  private kick(): void {
    if (this.running || this.closed || this.timer || this.queue.length === 0) return;
    this.running = true;
    void this.deliverBatch();
  }

  private async deliverBatch(): Promise<void> {
    const batch = this.queue.slice(0, this.options.batchLines);
    let outcome: 'ok' | 'rejected' | 'failed';
    try {
      outcome = await this.withTimeout(this.transport.deliver(batch.map((l) => formatSyslogMessage(l, this.token))));
    } catch (err) {
      outcome = 'failed';
      if (this.attempts === 0) this.logger.warn({ err: (err as Error).message }, 'log drain delivery failed; retrying with backoff');
    }
    this.running = false;
    if (this.closed) return;
    if (outcome === 'failed') {
      this.failures++;
      this.attempts++;
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, drainBackoffMs(this.attempts, this.options));
      return;
    }
    if (outcome === 'rejected') this.logger.warn({ lines: batch.length }, 'log drain refused a batch; dropped');
    this.attempts = 0;
    // Only now: lines stay queued (and count against the bound) until delivered.
    this.queue.splice(0, batch.length);
    this.kick();
  }

  private withTimeout<T>(delivery: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.transport.reset();
        reject(new Error(`delivery timed out after ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      delivery.then(
        (value) => {
          this.clock.clearTimeout(timer);
          resolve(value);
        },
        (err: unknown) => {
          this.clock.clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }
}

import type { Clock, TimerHandle } from '@paas/core';
import { formatLogTime } from './format.js';

export interface RateBudgetOptions {
  /** Lines per second one app may add to its stream from one kind of source (dyno output, router). */
  linesPerSecond: number;
  /** Lines that may arrive at once after a quiet period. */
  burst: number;
  /** How often, at most, a run of dropped lines is reported (ms). */
  reportIntervalMs: number;
}

export const DEFAULT_RATE_BUDGET: RateBudgetOptions = { linesPerSecond: 1000, burst: 2000, reportIntervalMs: 1000 };

interface Bucket {
  tokens: number;
  at: number;
  dropped: number;
  /** Time of the first line dropped since the last report. */
  since: number;
  timer: TimerHandle | undefined;
}

/**
 * A token bucket per key (app and source kind). A line over the budget is dropped and counted; once per
 * `reportIntervalMs` the count is reported as Heroku words it, so a flooding app never makes the
 * platform store, forward or slow down for more than its share.
 */
export class RateBudget {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly options: RateBudgetOptions,
    private readonly clock: Clock,
    /** Receives `Error L10 ...` for the key. */
    private readonly report: (key: string, message: string) => void,
  ) {}

  /** True when the line may pass; otherwise it is counted as dropped. */
  take(key: string): boolean {
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { tokens: this.options.burst, at: now, dropped: 0, since: 0, timer: undefined }));
    b.tokens = Math.min(this.options.burst, b.tokens + ((now - b.at) * this.options.linesPerSecond) / 1000);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    if (b.dropped === 0) {
      b.since = now;
      b.timer = this.clock.setTimeout(() => this.flush(key), this.options.reportIntervalMs);
    }
    b.dropped++;
    return false;
  }

  /** Forgets a key (its app was destroyed); a pending report is not made. */
  forget(key: string): void {
    const b = this.buckets.get(key);
    if (b?.timer) this.clock.clearTimeout(b.timer);
    this.buckets.delete(key);
  }

  close(): void {
    for (const key of [...this.buckets.keys()]) this.forget(key);
  }

  private flush(key: string): void {
    const b = this.buckets.get(key);
    if (!b || b.dropped === 0) return;
    const message = overflowMessage(b.dropped, b.since);
    b.dropped = 0;
    b.timer = undefined;
    this.report(key, message);
  }
}

/** Heroku's L10 line. */
export function overflowMessage(dropped: number, since: number): string {
  return `Error L10 (output buffer overflow): ${dropped} messages dropped since ${formatLogTime(since)}.`;
}

import type { LogLine } from '@paas/core';

export interface LogBufferLimits {
  /** Lines kept (Heroku: 1500). */
  lines: number;
  /** Bytes of messages kept, so a few huge lines cannot take much memory. */
  bytes: number;
}

/** Roughly what a line costs beyond its message (object, time string, dyno). */
const LINE_OVERHEAD = 120;

/**
 * The last lines of one app, oldest first, each with its sequence number. Appending past a limit
 * evicts the oldest lines.
 */
export class LogBuffer {
  private items: LogLine[] = [];
  /** Index of the oldest kept line in `items`; evicted lines before it are released in batches. */
  private head = 0;
  private size = 0;
  private bytes = 0;

  constructor(
    private readonly limits: LogBufferLimits,
    /** Sequence number of the last line ever appended (0: none). */
    public lastSeq = 0,
  ) {}

  get length(): number {
    return this.size;
  }

  /** Sequence number of the oldest line kept; `lastSeq + 1` when empty. */
  get firstSeq(): number {
    return this.size === 0 ? this.lastSeq + 1 : this.items[this.head]!.seq;
  }

  append(line: Omit<LogLine, 'seq'>): LogLine {
    const kept: LogLine = { seq: ++this.lastSeq, ...line };
    this.push(kept);
    return kept;
  }

  /** Puts back lines read from disk (they keep their numbers). */
  restore(lines: LogLine[]): void {
    for (const line of lines) {
      if (line.seq <= this.lastSeq) continue;
      this.lastSeq = line.seq;
      this.push(line);
    }
  }

  /** Up to `limit` lines with a sequence number above `seq`, oldest first. */
  after(seq: number, limit = Infinity): LogLine[] {
    let lo = this.head;
    let hi = this.head + this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return this.items.slice(lo, Math.min(this.head + this.size, lo + limit));
  }

  /** Every kept line, oldest first. */
  all(): LogLine[] {
    return this.items.slice(this.head, this.head + this.size);
  }

  private push(line: LogLine): void {
    this.items.push(line);
    this.size++;
    this.bytes += line.message.length + LINE_OVERHEAD;
    while (this.size > 1 && (this.size > this.limits.lines || this.bytes > this.limits.bytes)) {
      const old = this.items[this.head]!;
      this.bytes -= old.message.length + LINE_OVERHEAD;
      this.head++;
      this.size--;
    }
    if (this.head > 1024 && this.head > this.size) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

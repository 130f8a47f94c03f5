import type { LogLine } from '@paas/core';
import { LogBuffer, type LogBufferLimits } from './log-buffer.js';
import type { LogFile } from './log-file.js';

/**
 * One app's stream: the buffer, its file, and the readers waiting for more. Appended lines are
 * numbered at once but only committed (written to disk, then shown to readers and drains) in batches,
 * so a burst costs one write.
 */
export class AppStream {
  readonly buffer: LogBuffer;
  /** Last line written to disk and visible to readers. */
  committedSeq: number;
  ended = false;
  private pending: LogLine[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(
    limits: LogBufferLimits,
    private readonly file: LogFile | undefined,
  ) {
    this.buffer = new LogBuffer(limits);
    if (file) this.buffer.restore(file.load());
    this.committedSeq = this.buffer.lastSeq;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  append(line: Omit<LogLine, 'seq'>): LogLine {
    const kept = this.buffer.append(line);
    this.pending.push(kept);
    return kept;
  }

  /** Writes pending lines to disk and wakes readers; returns the committed lines. */
  commit(): LogLine[] {
    const lines = this.pending;
    if (lines.length === 0) return lines;
    this.pending = [];
    try {
      if (this.file?.append(lines)) this.file.rewrite(this.buffer.all());
    } finally {
      // Even when the disk fails, the lines stay readable from memory.
      this.committedSeq = this.buffer.lastSeq;
      this.wake();
    }
    return lines;
  }

  /** Committed lines after `seq`, oldest first. */
  after(seq: number, limit?: number): LogLine[] {
    const lines = this.buffer.after(seq, limit);
    let end = lines.length;
    while (end > 0 && lines[end - 1]!.seq > this.committedSeq) end--;
    return end === lines.length ? lines : lines.slice(0, end);
  }

  /** Calls `wake` once, at the next commit or end. */
  once(wake: () => void): () => void {
    this.waiters.add(wake);
    return () => this.waiters.delete(wake);
  }

  /** Ends every reader (the app is gone or the service closes). */
  end(): void {
    this.ended = true;
    this.wake();
  }

  removeFile(): void {
    this.file?.remove();
  }

  closeFile(): void {
    this.file?.close();
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }
}

import { Readable } from 'node:stream';
import type { Clock, LogGap, LogLine, LogPing, TimerHandle } from '@paas/core';
import type { AppStream } from './app-stream.js';
import { matches, type LogQuery } from './types.js';

export interface LogStreamOptions {
  /** Keep streaming new lines until the reader goes away. */
  tail: boolean;
  /** A keep-alive record this often while tailing, so proxies and clients see a live connection. */
  pingIntervalMs: number;
  clock: Clock;
}

const BATCH = 256;

/**
 * An app's lines as NDJSON (`LogRecord`s), pulled from the buffer at the reader's pace: the stream
 * keeps only a cursor, so a slow reader costs no memory and never slows the producers. Lines that
 * leave the buffer before a slow reader got them are reported as a gap (`{ "dropped": N }`).
 */
export class LogStream extends Readable {
  private cursor: number;
  /** Without tail: the last line to send. */
  private readonly endSeq: number;
  private unsubscribe: (() => void) | undefined;
  private ping: TimerHandle | undefined;

  constructor(
    private readonly app: AppStream,
    private readonly query: LogQuery,
    private readonly options: LogStreamOptions,
  ) {
    super({ highWaterMark: 64 * 1024 });
    this.endSeq = app.committedSeq;
    this.cursor = startCursor(app, query);
    if (options.tail) {
      // At once, so the response starts (headers out) even when there is nothing to show yet.
      this.push(record({ ping: true } satisfies LogPing));
      this.schedulePing();
    }
  }

  override _read(): void {
    this.pump();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.unsubscribe?.();
    if (this.ping) this.options.clock.clearTimeout(this.ping);
    callback(err);
  }

  private pump(): void {
    this.unsubscribe = undefined;
    while (!this.destroyed) {
      const first = this.app.buffer.firstSeq;
      let text = '';
      if (this.cursor + 1 < first) {
        text += record({ dropped: first - 1 - this.cursor } satisfies LogGap);
        this.cursor = first - 1;
      }
      const limit = this.options.tail ? BATCH : Math.min(BATCH, this.endSeq - this.cursor);
      const lines = limit > 0 ? this.app.after(this.cursor, limit) : [];
      for (const line of lines) if (matches(this.query, line)) text += record(line);
      if (lines.length > 0) this.cursor = lines[lines.length - 1]!.seq;
      if (text !== '' && !this.push(text)) return;
      if (lines.length > 0) continue;
      if (this.app.ended || (!this.options.tail && this.cursor >= this.endSeq)) {
        this.push(null);
        return;
      }
      this.unsubscribe = this.app.once(() => this.pump());
      return;
    }
  }

  private schedulePing(): void {
    this.ping = this.options.clock.setTimeout(() => {
      if (this.destroyed || this.app.ended) return;
      this.push(record({ ping: true } satisfies LogPing));
      this.schedulePing();
    }, this.options.pingIntervalMs);
  }
}

function record(value: LogLine | LogGap | LogPing): string {
  return `${JSON.stringify(value)}\n`;
}

/** The sequence number after which the stream starts. */
function startCursor(app: AppStream, query: LogQuery): number {
  if (query.after !== undefined) return Math.min(query.after, app.committedSeq);
  const wanted = query.lines ?? 100;
  const lines = app.after(0);
  let found = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!matches(query, lines[i]!)) continue;
    if (++found > wanted) return lines[i]!.seq;
  }
  return app.buffer.firstSeq - 1;
}

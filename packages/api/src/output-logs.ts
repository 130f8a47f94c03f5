import { createReadStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';

interface LiveLog {
  lines: string[];
  bytes: number;
  truncated: boolean;
  followers: Set<PassThrough>;
}

export interface OutputLogsOptions {
  /** Finished output is kept here, one file per build or release. */
  dir: string;
  /** Output kept per build; beyond it lines are dropped with a notice. */
  maxBytes: number;
}

/**
 * Output of builds and of release rollouts: kept in memory while it is written (so late readers get it
 * from the start, then live), written to a file when it ends.
 */
export class OutputLogs {
  private readonly live = new Map<string, LiveLog>();

  constructor(private readonly options: OutputLogsOptions) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  }

  open(id: string): (line: string) => void {
    const log: LiveLog = { lines: [], bytes: 0, truncated: false, followers: new Set() };
    this.live.set(id, log);
    return (line) => {
      const text = `${line}\n`;
      if (log.bytes + text.length > this.options.maxBytes) {
        if (!log.truncated) {
          log.truncated = true;
          const notice = ' !     Output truncated: it exceeded the size kept per build or release.\n';
          log.lines.push(notice);
          for (const f of log.followers) f.write(notice);
        }
        return;
      }
      log.bytes += text.length;
      log.lines.push(text);
      for (const f of log.followers) f.write(text);
    };
  }

  close(id: string): void {
    const log = this.live.get(id);
    if (!log) return;
    writeFileSync(this.file(id), log.lines.join(''), { mode: 0o600 });
    for (const f of log.followers) f.end();
    this.live.delete(id);
  }

  /** The output so far and then live until it ends; undefined when nothing is known. */
  stream(id: string): Readable | undefined {
    const log = this.live.get(id);
    if (log) {
      const out = new PassThrough();
      for (const line of log.lines) out.write(line);
      log.followers.add(out);
      out.once('close', () => log.followers.delete(out));
      return out;
    }
    const file = this.file(id);
    return existsSync(file) ? createReadStream(file) : undefined;
  }

  private file(id: string): string {
    return join(this.options.dir, `${id}.log`);
  }
}

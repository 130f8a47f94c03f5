import { createReadStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';

interface LiveLog {
  lines: string[];
  bytes: number;
  truncated: boolean;
  followers: Set<PassThrough>;
}

export interface BuildLogsOptions {
  /** Finished builds' output is kept here, one file per build. */
  dir: string;
  /** Output kept per build; beyond it lines are dropped with a notice. */
  maxBytes: number;
}

/**
 * Build output: kept in memory while the build runs (so late readers get it from the start, then live),
 * written to a file when it ends.
 */
export class BuildLogs {
  private readonly live = new Map<string, LiveLog>();

  constructor(private readonly options: BuildLogsOptions) {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  }

  open(buildId: string): (line: string) => void {
    const log: LiveLog = { lines: [], bytes: 0, truncated: false, followers: new Set() };
    this.live.set(buildId, log);
    return (line) => {
      const text = `${line}\n`;
      if (log.bytes + text.length > this.options.maxBytes) {
        if (!log.truncated) {
          log.truncated = true;
          const notice = ' !     Build output truncated: it exceeded the size kept per build.\n';
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

  close(buildId: string): void {
    const log = this.live.get(buildId);
    if (!log) return;
    writeFileSync(this.file(buildId), log.lines.join(''), { mode: 0o600 });
    for (const f of log.followers) f.end();
    this.live.delete(buildId);
  }

  /** The output so far and then live until the build ends; undefined when nothing is known. */
  stream(buildId: string): Readable | undefined {
    const log = this.live.get(buildId);
    if (log) {
      const out = new PassThrough();
      for (const line of log.lines) out.write(line);
      log.followers.add(out);
      out.once('close', () => log.followers.delete(out));
      return out;
    }
    const file = this.file(buildId);
    return existsSync(file) ? createReadStream(file) : undefined;
  }

  private file(buildId: string): string {
    return join(this.options.dir, `${buildId}.log`);
  }
}

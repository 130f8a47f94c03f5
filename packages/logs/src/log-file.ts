import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { LogLine } from '@paas/core';

/**
 * One app's lines on disk: an append-only NDJSON file, rewritten with only the buffer's lines once it
 * holds `compactAfter` lines, so disk use stays bounded. Writes are synchronous and made before the
 * lines are shown to anyone, so a line a reader saw survives even a SIGKILL of the control plane.
 * The rewrite goes through a temporary file and a rename: a crash leaves the old file or the new one.
 */
export class LogFile {
  private fd: number | undefined;
  /** Lines in the file now. */
  private count = 0;

  constructor(
    private readonly path: string,
    private readonly compactAfter: number,
  ) {}

  /** The lines on disk, oldest first; a torn last line (a crash mid-write) is left out and repaired. */
  load(): LogLine[] {
    if (!existsSync(this.path)) return [];
    const text = readFileSync(this.path, 'utf8');
    const lines: LogLine[] = [];
    for (const raw of text.split('\n')) {
      if (raw === '') continue;
      try {
        const line = JSON.parse(raw) as LogLine;
        if (Number.isInteger(line.seq) && typeof line.message === 'string') lines.push(line);
      } catch {
        // torn or damaged: skipped
      }
    }
    this.count = lines.length;
    if (!text.endsWith('\n') && text.length > 0) this.rewrite(lines);
    return lines;
  }

  /** Appends lines; returns true when the file is due for a rewrite with the buffer's lines. */
  append(lines: LogLine[]): boolean {
    if (lines.length === 0) return false;
    this.fd ??= openSync(this.path, 'a', 0o600);
    let text = '';
    for (const line of lines) text += `${JSON.stringify(line)}\n`;
    writeSync(this.fd, text);
    this.count += lines.length;
    return this.count >= this.compactAfter;
  }

  /** Replaces the file's content with `lines`. */
  rewrite(lines: LogLine[]): void {
    this.close();
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      let text = '';
      for (const line of lines) text += `${JSON.stringify(line)}\n`;
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    this.count = lines.length;
  }

  remove(): void {
    this.close();
    rmSync(this.path, { force: true });
    rmSync(`${this.path}.tmp`, { force: true });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

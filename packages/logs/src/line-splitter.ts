/** Heroku splits dyno output lines longer than this many bytes. */
export const MAX_LINE_BYTES = 10_000;

/**
 * Cuts a byte stream into lines: at newlines (a trailing CR dropped), and every `maxBytes` bytes of a
 * longer line, never inside a UTF-8 character. Keeps at most one unfinished line.
 */
export class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onLine: (text: string) => void,
    private readonly maxBytes = MAX_LINE_BYTES,
  ) {}

  push(data: Buffer): void {
    const buf = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    let start = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
      this.emit(buf.subarray(start, nl > start && buf[nl - 1] === 13 ? nl - 1 : nl), true);
      start = nl + 1;
    }
    let rest = buf.subarray(start);
    while (rest.length > this.maxBytes) {
      const cut = safeCut(rest, this.maxBytes);
      this.onLine(rest.toString('utf8', 0, cut));
      rest = rest.subarray(cut);
    }
    // A copy, so a small remainder does not keep a large chunk alive.
    this.pending = Buffer.from(rest);
  }

  /** Emits the unfinished line, if any (the stream ended without a final newline). */
  end(): void {
    if (this.pending.length > 0) this.emit(this.pending, false);
    this.pending = Buffer.alloc(0);
  }

  private emit(line: Buffer, complete: boolean): void {
    let rest = line;
    while (rest.length > this.maxBytes) {
      const cut = safeCut(rest, this.maxBytes);
      this.onLine(rest.toString('utf8', 0, cut));
      rest = rest.subarray(cut);
    }
    if (rest.length > 0 || complete) this.onLine(rest.toString('utf8'));
  }
}

/** The largest length <= max that does not end inside a multi-byte UTF-8 character. */
function safeCut(buf: Buffer, max: number): number {
  let cut = max;
  // Back up over continuation bytes (10xxxxxx) to the start of the character that straddles the cut.
  while (cut > 0 && (buf[cut]! & 0xc0) === 0x80) cut--;
  return cut === 0 ? max : cut;
}

const INITIAL_BYTES = 64 * 1024;
const COMMA = 44;

/**
 * Access lines waiting to be reported, kept outside the JavaScript heap as the JSON they are sent as:
 * each line is encoded once, as a `RouterLogLine` object, into one growing buffer. Lines live up to a
 * second (longer while the control plane is away); held as strings and objects they would survive
 * garbage collections by the thousand, and a report would be one multi-megabyte string.
 */
export class LineQueue {
  private bytes = Buffer.allocUnsafe(INITIAL_BYTES);
  private used = 0;
  private count = 0;
  /** `{"app":"…","time":` per app, encoded once. */
  private readonly prefixes = new Map<string, string>();
  private lastMs = -1;
  private lastMsText = '';

  constructor(
    /** Most lines held. */
    readonly maxLines: number,
    /** Most bytes held. */
    readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.count;
  }

  /** Adds a line; false (and nothing kept) when the queue is full. */
  push(app: string, time: number, line: string): boolean {
    if (this.count >= this.maxLines) return false;
    let prefix = this.prefixes.get(app);
    if (prefix === undefined) {
      if (this.prefixes.size >= 10_000) this.prefixes.clear();
      prefix = `{"app":${JSON.stringify(app)},"time":`;
      this.prefixes.set(app, prefix);
    }
    const entry = prefix + this.timeText(time) + ',"line":' + JSON.stringify(line) + '}';
    // At least one byte a character; room for the worst case of UTF-8 (three), checked once written.
    if (this.used + entry.length + 1 > this.maxBytes) return false;
    const room = entry.length * 3 + 1;
    if (this.used + room > this.bytes.length) this.grow(this.used + room);
    let at = this.used;
    if (this.count > 0) this.bytes[at++] = COMMA;
    at += this.bytes.write(entry, at);
    if (at > this.maxBytes) return false;
    this.used = at;
    this.count++;
    return true;
  }

  /** Removes every line: the elements of a JSON array (without brackets), oldest first, and their count. */
  take(): { json: Buffer; count: number } {
    const taken = { json: Buffer.from(this.bytes.subarray(0, this.used)), count: this.count };
    this.count = 0;
    this.used = 0;
    // A buffer grown by a burst is not kept for ever.
    if (this.bytes.length > INITIAL_BYTES * 16) this.bytes = Buffer.allocUnsafe(INITIAL_BYTES);
    return taken;
  }

  /** Milliseconds with three decimals; the integer part is formatted once per millisecond. */
  private timeText(time: number): string {
    const ms = Math.floor(time);
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastMsText = String(ms);
    }
    const us = Math.floor((time - ms) * 1000);
    return this.lastMsText + (us < 10 ? '.00' : us < 100 ? '.0' : '.') + us;
  }

  private grow(needed: number): void {
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(Math.max(needed, Math.min(size, this.maxBytes + 4096)));
    this.bytes.copy(next, 0, 0, this.used);
    this.bytes = next;
  }
}

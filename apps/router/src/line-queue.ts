import { accessLineBound, writeAccessLineJson, writeAscii, writeJsonText, type AccessRecord } from '@paas/router';

const INITIAL_BYTES = 64 * 1024;
const COMMA = 44;
const QUOTE = 34;
const CLOSE_BRACE = 125;
const LINE_KEY = ',"line":"';

/**
 * Access lines waiting to be reported, kept outside the JavaScript heap as the JSON they are sent as:
 * each line is encoded once, as a `RouterLogLine` object, into one growing buffer, character by
 * character (a record is encoded without its line ever being a string). Lines live up to a second
 * (longer while the control plane is away); held as strings and objects they would survive garbage
 * collections by the thousand, and a report would be one multi-megabyte string.
 *
 * Two buffers take turns: `take` hands out a view of the filled one, without a copy, and lines go on
 * into the other. The view is valid until the next `take`.
 */
export class LineQueue {
  private bytes: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  /** The buffer of the last `take`, reused by the next one. */
  private spare: Buffer | null = null;
  private used = 0;
  private count = 0;
  /** `{"app":"…","time":` per app, encoded once. */
  private readonly prefixes = new Map<string, Buffer>();
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
    // At least one byte a character; room for the worst case (six: `\u001f`), checked once written.
    if (this.used + line.length + 1 > this.maxBytes) return false;
    let at = this.begin(app, time, line.length * 6);
    at = writeJsonText(this.bytes, at, line);
    return this.end(at);
  }

  /** Adds the line of an access record (as `formatAccessLine` writes it); false when the queue is full. */
  pushRecord(app: string, time: number, record: AccessRecord): boolean {
    if (this.count >= this.maxLines) return false;
    let at = this.begin(app, time, accessLineBound(record));
    at = writeAccessLineJson(record, this.bytes, at);
    return this.end(at);
  }

  /**
   * Removes every line: the elements of a JSON array (without brackets), oldest first, and their count.
   * `json` is a view of the queue's buffer, valid until the next `take`.
   */
  take(): { json: Buffer; count: number } {
    const used = this.used;
    const taken = { json: this.bytes.subarray(0, used), count: this.count };
    if (this.count === 0) return taken;
    this.count = 0;
    this.used = 0;
    const next = this.spare;
    this.spare = this.bytes;
    // A buffer grown by a burst is not kept for ever: only while rounds still fill a quarter of it.
    this.bytes = next !== null && (next.length <= INITIAL_BYTES * 16 || next.length <= used * 4) ? next : Buffer.allocUnsafe(INITIAL_BYTES);
    return taken;
  }

  /** Writes the separator, app and time of an entry with room for `lineBytes`; returns where the line goes. */
  private begin(app: string, time: number, lineBytes: number): number {
    let prefix = this.prefixes.get(app);
    if (prefix === undefined) {
      if (this.prefixes.size >= 10_000) this.prefixes.clear();
      prefix = Buffer.from(`{"app":${JSON.stringify(app)},"time":`);
      this.prefixes.set(app, prefix);
    }
    const room = 1 + prefix.length + 32 + LINE_KEY.length + lineBytes + 2;
    if (this.used + room > this.bytes.length) this.grow(this.used + room);
    const bytes = this.bytes;
    let at = this.used;
    if (this.count > 0) bytes[at++] = COMMA;
    if (prefix.length <= 48) {
      for (let i = 0; i < prefix.length; i++) bytes[at++] = prefix[i]!;
    } else {
      at += prefix.copy(bytes, at);
    }
    at = this.writeTime(at, time);
    return writeAscii(bytes, at, LINE_KEY);
  }

  /** Closes the entry ending at `at`; keeps it unless that passed the byte bound. */
  private end(at: number): boolean {
    const bytes = this.bytes;
    bytes[at++] = QUOTE;
    bytes[at++] = CLOSE_BRACE;
    if (at > this.maxBytes) return false;
    this.used = at;
    this.count++;
    return true;
  }

  /** Milliseconds with three decimals; the integer part is formatted once per millisecond. */
  private writeTime(at: number, time: number): number {
    const ms = Math.floor(time);
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastMsText = String(ms);
    }
    const bytes = this.bytes;
    at = writeAscii(bytes, at, this.lastMsText);
    const us = Math.floor((time - ms) * 1000);
    bytes[at++] = 46; // .
    bytes[at++] = 48 + Math.floor(us / 100);
    bytes[at++] = 48 + (Math.floor(us / 10) % 10);
    bytes[at++] = 48 + (us % 10);
    return at;
  }

  private grow(needed: number): void {
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(Math.max(needed, Math.min(size, this.maxBytes + 4096)));
    this.bytes.copy(next, 0, 0, this.used);
    this.bytes = next;
  }
}

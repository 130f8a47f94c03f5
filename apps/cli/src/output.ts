/** Terminal output: colours only on a terminal (and never with NO_COLOR), tables, JSON. */
export class Output {
  readonly color: boolean;

  constructor(
    readonly stdout: NodeJS.WriteStream,
    readonly stderr: NodeJS.WriteStream,
    env: NodeJS.ProcessEnv,
  ) {
    this.color = Boolean(stdout.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  }

  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  json(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Progress and notes go to stderr so that stdout stays clean for pipes. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  paint(code: number, text: string): string {
    return this.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }
  bold = (t: string) => this.paint(1, t);
  dim = (t: string) => this.paint(2, t);
  green = (t: string) => this.paint(32, t);
  red = (t: string) => this.paint(31, t);
  yellow = (t: string) => this.paint(33, t);
  cyan = (t: string) => this.paint(36, t);

  table(rows: string[][], header?: string[]): void {
    const all = header ? [header, ...rows] : rows;
    const widths = all.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, visible(cell).length)), []);
    const format = (row: string[]) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visible(cell).length))).join('  ');
    if (header) {
      this.line(this.bold(format(header)));
      this.line(widths.map((w) => '─'.repeat(w)).join('  '));
    }
    for (const row of rows) this.line(format(row));
  }
}

function visible(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** `3m ago`, for `ps`. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

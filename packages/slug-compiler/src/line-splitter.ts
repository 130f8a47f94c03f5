import { StringDecoder } from 'node:string_decoder';

/** Longest partial line kept before it is passed on anyway, so a build printing no newline cannot fill memory. */
const MAX_LINE = 64 * 1024;

export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Emits a last line that had no newline. */
  flush(): void;
}

/** Turns raw output chunks into lines: UTF-8 safe across chunk boundaries, `\r\n` as `\n`. */
export function createLineSplitter(emit: (line: string) => void): LineSplitter {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const drain = (text: string) => {
    partial += text;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      emit(partial.slice(0, nl).replace(/\r$/, ''));
      partial = partial.slice(nl + 1);
    }
    while (partial.length > MAX_LINE) {
      emit(partial.slice(0, MAX_LINE));
      partial = partial.slice(MAX_LINE);
    }
  };
  return {
    push: (chunk) => drain(decoder.write(chunk)),
    flush() {
      drain(decoder.end());
      if (partial !== '') emit(partial.replace(/\r$/, ''));
      partial = '';
    },
  };
}

import type { LogLine } from '@paas/core';

/** RFC 3339 with microseconds and an explicit UTC offset, from ms since the epoch (fraction = µs). */
export function formatLogTime(ms: number): string {
  const us = Math.round(ms * 1000);
  const whole = Math.floor(us / 1000);
  const iso = new Date(whole).toISOString(); // 2026-11-29T18:00:00.123Z
  return `${iso.slice(0, 23)}${String(us - whole * 1000).padStart(3, '0')}+00:00`;
}

/** ms since the epoch (fraction = µs) of a time written by `formatLogTime`; NaN for anything else. */
export function parseLogTime(time: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})\+00:00$/.exec(time);
  return m ? Date.parse(`${m[1]}Z`) + Number(m[2]) / 1000 : NaN;
}

/** The line as users read it: `2026-11-29T18:00:00.123456+00:00 app[web.1]: listening on 5000`. */
export function formatLogLine(line: Pick<LogLine, 'time' | 'source' | 'dyno' | 'message'>): string {
  return `${line.time} ${line.source}[${line.dyno}]: ${line.message}`;
}

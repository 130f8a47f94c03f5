import type { LogLine } from '@paas/core';

/** local7.info for the app's own lines, local3.info for the platform's (as syslog priorities). */
const PRI = { app: 190, paas: 158 } as const;

/**
 * An RFC 5424 message: `<190>1 2026-11-29T18:00:00.123456+00:00 TOKEN app web.1 - - listening on 5000`.
 * HOSTNAME carries the drain token (as Heroku's Logplex does), APP-NAME the source, PROCID the dyno;
 * no MSGID and no structured data.
 */
export function formatSyslogMessage(line: Pick<LogLine, 'time' | 'source' | 'dyno' | 'message'>, token: string): string {
  return `<${PRI[line.source]}>1 ${line.time} ${field(token, 255)} ${field(line.source, 48)} ${field(line.dyno, 128)} - - ${line.message}`;
}

/** RFC 6587 octet counting: the message's length in bytes, a space, the message. */
export function frameOctetCounted(message: string): string {
  return `${Buffer.byteLength(message, 'utf8')} ${message}`;
}

/** Header fields are printable US-ASCII without spaces, with a maximum length; `-` means empty. */
function field(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean === '' ? '-' : clean;
}

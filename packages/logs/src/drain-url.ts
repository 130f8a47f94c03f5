import { PaasError } from '@paas/core';

/** Where a drain sends lines: syslog over TCP (optionally TLS), or HTTP(S) POST batches. */
export interface DrainTarget {
  protocol: 'syslog' | 'https';
  tls: boolean;
  host: string;
  port: number;
  /** The URL as given, normalized. */
  url: string;
}

const MAX_URL_LENGTH = 2048;

/**
 * Validates a drain URL: `syslog://host:port`, `syslog+tls://host:port`, `https://host[:port]/path`
 * (`http://` too, as Heroku allows). Anything else is refused with `invalid_params`.
 */
export function parseDrainUrl(raw: string): DrainTarget {
  const bad = (why: string) =>
    new PaasError('invalid_params', `Invalid drain URL: ${why}. Use syslog://host:port, syslog+tls://host:port or https://host/path.`);
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) throw bad(`it must be 1 to ${MAX_URL_LENGTH} characters`);
  if (/[\s\x00-\x1f\x7f]/.test(raw)) throw bad('it contains spaces or control characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('it is not a URL');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw bad('it has no host');
  switch (url.protocol) {
    case 'syslog:':
    case 'syslog+tls:': {
      if (url.port === '') throw bad('a syslog drain needs a port');
      if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash || url.username || url.password) {
        throw bad('a syslog drain is only host and port');
      }
      return { protocol: 'syslog', tls: url.protocol === 'syslog+tls:', host, port: Number(url.port), url: `${url.protocol}//${url.host}` };
    }
    case 'https:':
    case 'http:': {
      if (url.hash) throw bad('it has a fragment');
      const tls = url.protocol === 'https:';
      return { protocol: 'https', tls, host, port: url.port === '' ? (tls ? 443 : 80) : Number(url.port), url: url.toString() };
    }
    default:
      throw bad(`the scheme ${url.protocol.replace(/:$/, '')} is not supported`);
  }
}

/** The URL without its password, for the platform's own log. */
export function redactDrainUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    url.search = url.search ? '?...' : '';
    return url.toString();
  } catch {
    return '(invalid url)';
  }
}

/** Where a log line comes from: the app's own output, or the platform (router, dyno manager, API). */
export type LogSource = 'app' | 'paas';

/**
 * One line of an app's log stream, as `GET /apps/:app/logs` sends it (one JSON object per line) and
 * as `paas logs --json` prints it.
 */
export interface LogLine {
  /** Position in the app's stream; grows by one per line, across control-plane restarts. */
  seq: number;
  /** RFC 3339 with microseconds, UTC: `2026-11-29T18:00:00.123456+00:00`. */
  time: string;
  source: LogSource;
  /** `web.1`, `run.1` for app lines; `router`, `api`, `web.1`, `logplex` for platform lines. */
  dyno: string;
  message: string;
}

/** A keep-alive record of a tailing log stream; carries no line. */
export interface LogPing {
  ping: true;
}

/** This reader fell behind, or resumed too late, and missed lines that left the app's buffer. */
export interface LogGap {
  /** How many lines were missed just before the next line. */
  dropped: number;
}

/** What a log stream carries: lines (with `seq`), and records without `seq` that readers may ignore. */
export type LogRecord = LogLine | LogPing | LogGap;

/** A log drain, as in the Heroku Platform API: the app's lines are copied to `url`. */
export interface LogDrain {
  id: string;
  /** `syslog://host:port`, `syslog+tls://host:port` or `https://...`. */
  url: string;
  /** Identifies the drain to the receiver: the syslog HOSTNAME field, the `Logplex-Drain-Token` header. */
  token: string;
  created_at: string;
}

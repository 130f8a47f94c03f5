import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Clock, LogDrain, LogLine, Logger } from '@paas/core';
import { AppStream } from './app-stream.js';
import { DEFAULT_DRAIN_OPTIONS, type DrainOptions } from './drain.js';
import { DrainRegistry, type TransportFactory } from './drain-registry.js';
import { formatLogTime, parseLogTime } from './format.js';
import { LogFile } from './log-file.js';
import { LogStream } from './log-stream.js';
import { DEFAULT_RATE_BUDGET, RateBudget, type RateBudgetOptions } from './rate-budget.js';
import type { TlsTrust } from './syslog-transport.js';
import { matches, type LogEntry, type LogQuery } from './types.js';

export interface LogServiceOptions {
  clock: Clock;
  logger: Logger;
  /** Where the apps' lines and the drains are kept; in memory only when unset. */
  dir?: string;
  /** Lines kept per app (Heroku: 1500). */
  bufferLines?: number;
  /** Bytes of messages kept per app. */
  bufferBytes?: number;
  /** Budget of dyno output and of router lines, each per app. */
  rate?: Partial<RateBudgetOptions>;
  maxDrainsPerApp?: number;
  drain?: Partial<DrainOptions>;
  /** Extra trust for drains over TLS. */
  trust?: TlsTrust;
  /** Keep-alive period of tailing streams. */
  pingIntervalMs?: number;
  /** Makes drain transports; the real syslog and HTTP(S) ones by default. */
  transport?: TransportFactory;
  /** Runs the commit of appended lines soon (after the current I/O); `setImmediate` by default. */
  defer?: (fn: () => void) => void;
}

/** The drains of the apps, as the API manages them. */
export interface LogDrains {
  list(appId: string): LogDrain[];
  /** Validates the URL; refuses duplicates and more than the maximum per app (`invalid_params`). */
  add(appId: string, url: string): LogDrain;
  /** By id, token or URL; `not_found` when the app has no such drain. */
  remove(appId: string, ref: string): LogDrain;
}

/** The apps' log streams: lines in, readers and drains out. */
export interface LogService {
  /** Adds a line to the app's stream. Dyno output and router lines count against the app's budget. */
  write(appId: string, entry: LogEntry): void;
  /** The matching lines the query selects, without waiting (committed lines only). */
  read(appId: string, query?: LogQuery): LogLine[];
  /** The query's lines as NDJSON `LogRecord`s; with `tail`, then every new line until destroyed. */
  open(appId: string, query: LogQuery, options: { tail: boolean }): Readable;
  /**
   * Time (ms) of the newest kept line of `source[dyno]`, so a collector can resume without repeats; when
   * none is kept, the oldest kept line's time (older output would have left the buffer anyway).
   */
  lastTime(appId: string, source: LogEntry['source'], dyno: string): number | undefined;
  drains: LogDrains;
  /** Commits appended lines now (normally done right after the current I/O). */
  flush(): void;
  /** Forgets the app's lines, file and drains, and ends its readers (the app was destroyed). */
  removeApp(appId: string): void;
  /** Removes what is kept for apps that no longer exist (e.g. lines that arrived after a destroy). */
  prune(existing: ReadonlySet<string>): void;
  close(): Promise<void>;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function createLogService(options: LogServiceOptions): LogService {
  const { clock, logger, dir } = options;
  const limits = { lines: options.bufferLines ?? 1500, bytes: options.bufferBytes ?? 4 * 1024 * 1024 };
  if (dir) mkdirSync(join(dir, 'apps'), { recursive: true, mode: 0o700 });
  const streams = new Map<string, AppStream>();
  const dirty = new Set<string>();
  // Destroyed apps: the last output of their containers may still arrive, and must not bring them back.
  const removed = new Set<string>();
  let scheduled = false;
  let closed = false;
  const defer = options.defer ?? ((fn) => void setImmediate(fn));
  const drains = new DrainRegistry({
    file: dir ? join(dir, 'drains.json') : undefined,
    maxPerApp: options.maxDrainsPerApp ?? 5,
    drain: { ...DEFAULT_DRAIN_OPTIONS, ...options.drain },
    trust: options.trust ?? {},
    clock,
    logger: logger.child({ component: 'log-drains' }),
    ...(options.transport ? { transport: options.transport } : {}),
  });
  const budget = new RateBudget({ ...DEFAULT_RATE_BUDGET, ...options.rate }, clock, (key, message) => {
    const appId = key.slice(key.indexOf(':') + 1);
    if (streams.has(appId)) append(appId, { source: 'paas', dyno: 'logplex', message });
  });

  const stream = (appId: string): AppStream => {
    let s = streams.get(appId);
    if (!s) {
      const file = dir && SAFE_ID.test(appId) ? new LogFile(join(dir, 'apps', `${appId}.ndjson`), limits.lines * 2) : undefined;
      try {
        s = new AppStream(limits, file);
      } catch (err) {
        logger.error({ err, appId }, 'cannot read the stored log lines; starting empty');
        s = new AppStream(limits, undefined);
      }
      streams.set(appId, s);
    }
    return s;
  };

  const flush = () => {
    scheduled = false;
    for (const appId of dirty) {
      const s = streams.get(appId);
      if (!s) continue;
      let lines: LogLine[];
      try {
        lines = s.commit();
      } catch (err) {
        logger.error({ err, appId }, 'cannot write log lines to disk; they stay in memory');
        continue;
      }
      drains.deliver(appId, lines);
    }
    dirty.clear();
  };

  function append(appId: string, entry: LogEntry): void {
    if (closed || removed.has(appId)) return;
    stream(appId).append({
      time: formatLogTime(entry.time ?? clock.now()),
      source: entry.source,
      dyno: entry.dyno,
      message: entry.message,
    });
    dirty.add(appId);
    if (!scheduled) {
      scheduled = true;
      defer(flush);
    }
  }

  function removeApp(appId: string): void {
    removed.add(appId);
    drains.removeApp(appId);
    budget.forget(`app:${appId}`);
    budget.forget(`router:${appId}`);
    dirty.delete(appId);
    // Loaded (if it was not) only to end its readers and delete its file.
    const s = streams.get(appId) ?? (dir && SAFE_ID.test(appId) ? stream(appId) : undefined);
    streams.delete(appId);
    s?.end();
    s?.removeFile();
  }

  return {
    write(appId, entry) {
      const kind = entry.source === 'app' ? 'app' : entry.dyno === 'router' ? 'router' : undefined;
      if (kind && !budget.take(`${kind}:${appId}`)) return;
      append(appId, entry);
    },
    read(appId, query = {}) {
      const s = stream(appId);
      const lines = s.after(query.after ?? 0).filter((l) => matches(query, l));
      return query.after === undefined ? lines.slice(-(query.lines ?? 100)) : lines;
    },
    open(appId, query, { tail }) {
      return new LogStream(stream(appId), query, { tail, clock, pingIntervalMs: options.pingIntervalMs ?? 15_000 });
    },
    lastTime(appId, source, dyno) {
      const lines = stream(appId).buffer.all();
      for (let i = lines.length - 1; i >= 0; i--) {
        const l = lines[i]!;
        if (l.source === source && l.dyno === dyno) return parseLogTime(l.time);
      }
      return lines.length > 0 ? parseLogTime(lines[0]!.time) : undefined;
    },
    drains,
    flush,
    removeApp,
    prune(existing) {
      const stored = dir ? readdirSync(join(dir, 'apps')).filter((f) => f.endsWith('.ndjson')).map((f) => f.slice(0, -'.ndjson'.length)) : [];
      for (const appId of new Set([...stored, ...streams.keys(), ...drains.appIds()])) {
        if (!existing.has(appId)) removeApp(appId);
      }
    },
    async close() {
      flush();
      closed = true;
      budget.close();
      drains.close();
      for (const s of streams.values()) {
        s.end();
        s.closeFile();
      }
    },
  };
}

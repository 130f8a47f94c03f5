import type { AppRequestMetrics, Clock, Logger, TimerHandle } from '@paas/core';
import type { AccessRecord, RecordingAccessLogSink } from '@paas/router';
import { LineQueue } from './line-queue.js';

/** The one call of the control API the reporter needs (`PaasClient.routerReportJson`). */
export interface ReportTarget {
  /** Sends a `RouterReport` serialised as JSON. */
  routerReportJson(json: Uint8Array, signal?: AbortSignal): Promise<void>;
}

/** Lines taken from the queue: the elements of a JSON array, and how many. */
interface Lines {
  json: Buffer;
  count: number;
}

const COMMA = Buffer.from(',');

export interface ReporterDeps {
  target: ReportTarget;
  /** Identifies this router process, as in its route-table polls. */
  routerId: string;
  /** The router's cumulative per-app counters (`Router.metrics`). */
  metrics: () => AppRequestMetrics[];
  clock: Clock;
  logger: Logger;
  /** Time between reports (default 1 s). */
  intervalMs?: number;
  /** Lines kept while the control plane is slow or down; beyond it lines are dropped and counted. */
  maxPendingLines?: number;
  /** Bytes of lines kept, likewise (default 1 KB a line). */
  maxPendingBytes?: number;
  /** Longest wait between attempts while the control plane fails (default 30 s). */
  maxBackoffMs?: number;
  /** Longest a report may take (default 10 s). */
  requestTimeoutMs?: number;
  /** When a line was written: ms since the epoch, with a fraction (default: high resolution). */
  lineTime?: () => number;
}

export interface ReporterStats {
  /** Lines waiting to be sent (including those of a report in flight). */
  pending: number;
  /** Lines dropped and not reported yet. */
  dropped: number;
  /** Failed attempts in a row. */
  failures: number;
}

export interface Reporter {
  /**
   * The router's access-log sink: queues the line, never blocks, drops (and counts) beyond the bound.
   * Its `record` entry takes the router's records, whose lines are never built as strings.
   */
  readonly accessLog: RecordingAccessLogSink;
  start(): void;
  /** Stops the schedule and makes one last attempt to send what is pending. */
  stop(): Promise<void>;
  stats(): ReporterStats;
}

export const REPORTER_DEFAULTS = Object.freeze({ intervalMs: 1000, maxPendingLines: 10_000, maxBackoffMs: 30_000, requestTimeoutMs: 10_000 });

/** The `timeOrigin` getter costs more than `now()` itself; it is read once. */
const TIME_ORIGIN = performance.timeOrigin;
const highResolutionTime = (): number => TIME_ORIGIN + performance.now();

/**
 * Ships access lines and metric deltas to the control plane about once a second (sooner when half the
 * line bound is pending), one report at a time.
 * Metrics are sent as the difference between the router's counters and the last snapshot the control
 * plane acknowledged, so while it is down deltas simply keep growing; lines are bounded in memory.
 */
export function createReporter(deps: ReporterDeps): Reporter {
  const { target, routerId, clock, logger } = deps;
  const intervalMs = deps.intervalMs ?? REPORTER_DEFAULTS.intervalMs;
  const maxLines = deps.maxPendingLines ?? REPORTER_DEFAULTS.maxPendingLines;
  const maxBackoffMs = deps.maxBackoffMs ?? REPORTER_DEFAULTS.maxBackoffMs;
  const requestTimeoutMs = deps.requestTimeoutMs ?? REPORTER_DEFAULTS.requestTimeoutMs;
  const lineTime = deps.lineTime ?? highResolutionTime;

  const queue = new LineQueue(maxLines, deps.maxPendingBytes ?? maxLines * 1024);
  /** Pending lines that trigger a report before the interval is over. */
  const earlyLines = Math.max(1, Math.floor(maxLines / 2));
  /** Lines of the report in flight, or of one that failed; they count against the bound until acknowledged. */
  let unacked: Lines | null = null;
  let dropped = 0;
  /** `dropped`, app by app (as many entries as apps at most). */
  const droppedByApp = new Map<string, number>();
  let acked = new Map<string, AppRequestMetrics>();
  let failures = 0;
  let timer: TimerHandle | null = null;
  let sending: Promise<void> | null = null;
  let running = false;
  let early = false;

  /** After a line was queued (`kept`) or not. */
  const queued = (kept: boolean, app: string): void => {
    if (!kept) {
      dropped++;
      droppedByApp.set(app, (droppedByApp.get(app) ?? 0) + 1);
    } else if (timer !== null && !early && failures === 0 && queue.length >= earlyLines) {
      // Busy: report now rather than drop lines before the next tick.
      early = true;
      clock.clearTimeout(timer);
      timer = clock.setTimeout(fire, 0);
    }
  };
  const accessLog: RecordingAccessLogSink = Object.assign(
    (app: string, line: string) => queued(queue.length + (unacked?.count ?? 0) < maxLines && queue.push(app, lineTime(), line), app),
    {
      // The router hands over records: their lines are encoded straight into the queue.
      record: (app: string, record: AccessRecord) => queued(queue.length + (unacked?.count ?? 0) < maxLines && queue.pushRecord(app, lineTime(), record), app),
    },
  );

  async function send(): Promise<void> {
    const snapshot = deps.metrics();
    const metrics = diffMetrics(snapshot, acked);
    if (queue.length === 0 && unacked === null && dropped === 0 && metrics.length === 0) return;
    const lines = join(unacked, queue.take());
    unacked = lines;
    const droppedSent = dropped;
    const byAppSent = droppedByApp.size > 0 ? new Map(droppedByApp) : null;
    const byAppJson = byAppSent === null ? '' : `,"droppedByApp":${JSON.stringify(Object.fromEntries(byAppSent))}`;
    // A RouterReport, assembled around the queue's JSON rather than serialised from objects.
    const json = Buffer.concat([
      Buffer.from(`{"router":${JSON.stringify(routerId)},"lines":[`),
      lines.json,
      Buffer.from(`],"dropped":${droppedSent}${byAppJson},"metrics":${JSON.stringify(metrics)}}`),
    ]);
    // A timer cleared at the end rather than AbortSignal.timeout(), whose signal (and the request it
    // holds) would live for the whole timeout after every report.
    const abort = new AbortController();
    const timer = clock.setTimeout(() => abort.abort(new Error(`no answer within ${requestTimeoutMs} ms`)), requestTimeoutMs);
    try {
      await target.routerReportJson(json, abort.signal);
      acked = new Map(snapshot.map((m) => [m.app, m]));
      unacked = null;
      dropped -= droppedSent;
      for (const [app, n] of byAppSent ?? []) {
        const left = (droppedByApp.get(app) ?? 0) - n;
        if (left > 0) droppedByApp.set(app, left);
        else droppedByApp.delete(app);
      }
      if (failures > 0) logger.info({ failures }, 'control plane accepts reports again');
      failures = 0;
    } catch (err) {
      // `unacked` keeps the lines for the next attempt, in order; the bound counts them. A copy: the
      // queue reuses its buffers.
      if (lines.count > 0 && unacked === lines) unacked = { json: Buffer.from(lines.json), count: lines.count };
      if (failures === 0) logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not send the router report; retrying');
      failures++;
    } finally {
      clock.clearTimeout(timer);
    }
  }

  function fire(): void {
    timer = null;
    early = false;
    sending = send().finally(() => {
      sending = null;
      schedule();
    });
  }

  function schedule(): void {
    if (!running) return;
    const delay = failures === 0 ? intervalMs : Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(failures, 20));
    timer = clock.setTimeout(fire, delay);
  }

  return {
    accessLog,
    start() {
      if (running) return;
      running = true;
      schedule();
    },
    async stop() {
      running = false;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      if (sending !== null) await sending;
      await send();
    },
    stats: () => ({ pending: queue.length + (unacked?.count ?? 0), dropped, failures }),
  };
}

function join(a: Lines | null, b: Lines): Lines {
  if (a === null || a.count === 0) return b;
  if (b.count === 0) return a;
  return { json: Buffer.concat([a.json, COMMA, b.json]), count: a.count + b.count };
}

/**
 * Per-app deltas between cumulative counters and the last acknowledged snapshot; apps without new
 * requests are left out. A counter that went backwards (a new router process under the same id) is
 * reported whole.
 */
export function diffMetrics(current: AppRequestMetrics[], acked: ReadonlyMap<string, AppRequestMetrics>): AppRequestMetrics[] {
  const out: AppRequestMetrics[] = [];
  for (const m of current) {
    const base = acked.get(m.app);
    const total = sum(m.statusClasses);
    const baseTotal = base === undefined ? 0 : sum(base.statusClasses);
    if (total === baseTotal) continue;
    if (base === undefined || total < baseTotal) {
      out.push({ app: m.app, statusClasses: [...m.statusClasses], latencyBuckets: [...m.latencyBuckets], latencySumMs: m.latencySumMs });
      continue;
    }
    const c = m.statusClasses;
    const b = base.statusClasses;
    out.push({
      app: m.app,
      statusClasses: [c[0] - b[0], c[1] - b[1], c[2] - b[2], c[3] - b[3], c[4] - b[4]],
      latencyBuckets: m.latencyBuckets.map((v, i) => v - (base.latencyBuckets[i] ?? 0)),
      latencySumMs: m.latencySumMs - base.latencySumMs,
    });
  }
  return out;
}

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

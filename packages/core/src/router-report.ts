/**
 * What a router process sends the control plane every second or so: the access-log lines of the
 * requests it served (for the apps' log streams) and its metrics since the previous report.
 */
export interface RouterReport {
  /** The router process's id (as in its route-table polls). */
  router: string;
  lines: RouterLogLine[];
  /** Lines the router had to drop because the control plane could not keep up (reported as L10). */
  dropped: number;
  /** Of `dropped`, how many per app (absent when none): each app's log says so with an L10 line. */
  droppedByApp?: Record<string, number>;
  metrics: AppRequestMetrics[];
}

export interface RouterLogLine {
  app: string;
  /** When the request finished: ms since the epoch (with fraction for microseconds). */
  time: number;
  /** The line in Heroku's router format: `at=info method=GET path="/" ...`. */
  line: string;
}

/** Latency bucket upper bounds in ms, shared by routers and the control plane (Prometheus-style). */
export const LATENCY_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000] as const;

/** Requests of one app since the previous report (deltas, not totals). */
export interface AppRequestMetrics {
  app: string;
  /** Count by status class: index 0 is 1xx, 4 is 5xx. */
  statusClasses: [number, number, number, number, number];
  /** Count of requests whose service time was at most `LATENCY_BUCKETS_MS[i]`, non-cumulative; the last entry is +Inf. */
  latencyBuckets: number[];
  latencySumMs: number;
}

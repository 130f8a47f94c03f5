import type { RouteBackend, TimerHandle } from '@paas/core';
import type { CrashRecord } from './backoff.js';
import { containerStatus, type DynoContainerRecord, type OneOffRecord } from './one-off-record.js';
import type { AppSpec, DynoStatus } from './types.js';

/**
 * A dyno of the formation. Adopted: found running when the manager started, so its boot is not news
 * for the app's log. Stopping: its exit is not a crash, and it takes no traffic.
 */
export interface DynoRecord extends DynoContainerRecord {
  /** Address on the dynos' network, once started. */
  ip: string | undefined;
  /** Started by a deploy that has not swapped the routes yet. */
  candidate: boolean;
  /** The engine reported an OOM kill; its exit is an R15. */
  oom: boolean;
  /** Someone else sent it SIGTERM: the engine shutting down, or an operator's `docker stop`. */
  stoppedElsewhere: boolean;
  upSince: number | undefined;
  exitCode: number | undefined;
  restartAt: number | undefined;
  /** When daily cycling replaces it; undefined with cycling off. */
  cycleAt: number | undefined;
  /** Its replacement (cycling, resize) did not come up: no new try before this. */
  replaceAfter: number | undefined;
  /** Aborted when the process ends or the manager stops it, which ends any boot watch at once. */
  done: AbortController;
}

export interface AppState {
  id: string;
  /** Desired state; undefined for an app the manager found containers of but has not been told about. */
  spec: AppSpec | undefined;
  records: Map<string, DynoRecord>;
  /** One-off dynos (`run.N`, `release.N`) by container id; never part of the formation. */
  oneOffs: Map<string, OneOffRecord>;
  /** One-off names taken by dynos being created, so two runs never pick the same number. */
  oneOffNames: Set<string>;
  /** Crash history by dyno name; outlives the crashed container. */
  crashes: Map<string, CrashRecord>;
  /** Tail of the app's operations; passes, deploys, applies and removal run one at a time. */
  queue: Promise<void>;
  /** Operations queued or running; the state may only be dropped when the running one is the last. */
  pending: number;
  /** A pass that is queued and has not begun: further requests join it. */
  pendingPass: Promise<void> | undefined;
  wakeTimer: TimerHandle | undefined;
  /** When the manager first found containers of this app without a spec. */
  unknownSince: number | undefined;
}

export function createAppState(id: string): AppState {
  return {
    id,
    spec: undefined,
    records: new Map(),
    oneOffs: new Map(),
    oneOffNames: new Set(),
    crashes: new Map(),
    queue: Promise.resolve(),
    pending: 0,
    pendingPass: undefined,
    wakeTimer: undefined,
    unknownSince: undefined,
  };
}

/** Runs `task` after every operation queued on the app before it. */
export function enqueue<T>(app: AppState, task: () => Promise<T>): Promise<T> {
  app.pending++;
  const run = app.queue.then(task).finally(() => app.pending--);
  app.queue = run.then(
    () => {},
    () => {},
  );
  return run;
}

/**
 * Drops an app that is neither desired nor has dynos, from inside one of its operations. Not while more
 * work is queued: an apply waiting behind this operation must find the state that holds its queue.
 */
export function forgetIfIdle(apps: Map<string, AppState>, app: AppState): void {
  const idle = app.records.size === 0 && app.oneOffs.size === 0 && app.oneOffNames.size === 0;
  if (app.spec === undefined && idle && app.pending <= 1 && apps.get(app.id) === app) apps.delete(app.id);
}

/** A web dyno takes traffic when it is up, belongs to the desired release and is neither new nor retiring. */
export function isRouted(app: AppState, rec: DynoRecord): boolean {
  return (
    rec.type === 'web' &&
    rec.state === 'up' &&
    !rec.candidate &&
    !rec.stopping &&
    rec.ip !== undefined &&
    app.spec !== undefined &&
    app.spec.release.id === rec.releaseId
  );
}

export function backendOf(app: AppState, rec: DynoRecord, port: number): RouteBackend | undefined {
  return isRouted(app, rec) && rec.ip !== undefined ? { dyno: rec.name, host: rec.ip, port } : undefined;
}

export function toDynoStatus(app: AppState, rec: DynoRecord, port: number): DynoStatus {
  const status = containerStatus(rec, backendOf(app, rec, port));
  if (rec.state === 'crashed') {
    if (rec.restartAt !== undefined) status.restartAt = rec.restartAt;
    if (rec.exitCode !== undefined) status.exitCode = rec.exitCode;
  }
  return status;
}

import type { DynoSize, DynoState, ProcessTypes, RouteBackend } from '@paas/core';

/** Which dynos a restart replaces: all of the app's, one process type's, or one dyno. */
export type RestartTarget = { all: true } | { type: string } | { dyno: string };

/** What the control plane wants running for one app. */
export interface AppSpec {
  app: { id: string; name: string };
  release: { id: string; version: number; image: string };
  /** Config vars of the release; the manager adds PORT and DYNO. */
  env: Record<string, string>;
  processTypes: ProcessTypes;
  /** Process type to how many dynos of which size. Types missing here run zero dynos. */
  formation: Record<string, { quantity: number; size: string }>;
}

/** A dyno as the manager knows it. */
export interface DynoStatus {
  /** Container id. */
  id: string;
  /** `web.1`. */
  name: string;
  type: string;
  state: DynoState;
  command: string;
  size: string;
  release: { id: string; version: number };
  /** When the dyno entered `state`, ms since epoch. */
  since: number;
  createdAt: number;
  /** Where the router reaches it, for web dynos that are up and routed. */
  backend: RouteBackend | undefined;
  /** For a crashed dyno: when it will be restarted, ms since epoch. */
  restartAt?: number;
  /** For a crashed dyno: the exit status of its process, when known. */
  exitCode?: number;
  /** A one-off dyno (`run.N`, `release.N`) rather than one of the formation. */
  oneOff?: boolean;
}

/** Checks whether something accepts TCP connections, without sending anything. */
export interface PortProbe {
  /** Resolves true once `host:port` accepts a connection, false when `timeoutMs` passes first. */
  waitForPort(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}

/** How the manager tells the routers which dynos to send traffic to. */
export interface RouteSync {
  /**
   * Publishes the manager's current backends and resolves once every router serves them and has drained
   * requests in flight to backends no longer listed (or a timeout passed). Called after new web dynos are
   * up and before old ones are stopped.
   */
  sync(): Promise<void>;
}

export interface DynoManagerOptions {
  /** Docker network the dynos join; the router reaches them on it. */
  network: string;
  /**
   * Name of this platform instance; the manager only sees and touches dynos labelled with it. Defaults
   * to `default`.
   */
  platform?: string;
  /** `$PORT` inside every dyno. */
  port: number;
  /** A web dyno must accept TCP on $PORT within this (R10). */
  bootTimeoutMs: number;
  /** Grace between SIGTERM and SIGKILL when stopping a dyno (R12). */
  stopTimeoutMs: number;
  /** Period of the full reconcile pass that catches anything events missed. */
  reconcileIntervalMs: number;
  sizes: readonly DynoSize[];
  /** When crashed dynos are restarted; `DEFAULT_CRASH_BACKOFF` when unset. */
  crashBackoff?: CrashBackoffOptions;
  /**
   * Containers of an app that has not been applied or deployed are removed after this long (2 minutes when
   * unset). It leaves the control plane time to `apply()` every app after a restart.
   */
  unknownAppGraceMs?: number;
  /**
   * Daily cycling: every dyno is replaced once it has run this long plus a random share of
   * `cycleJitterMs` (24 hours and 216 minutes when unset, as on Heroku). 0 turns cycling off. One-off dynos
   * are killed after `maxAgeMs` unless they ask for a shorter time to live.
   */
  maxAgeMs?: number;
  cycleJitterMs?: number;
}

/**
 * Restart policy for crashed dynos: the first crash restarts at once, the n-th (n >= 2) after
 * `min(initialMs * 2^(n-2), maxMs)`. A dyno that was up for `resetAfterMs` before crashing starts again
 * from the first crash, as does every dyno of a new release.
 */
export interface CrashBackoffOptions {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
}

/** A line for the app's log stream, from the platform about a dyno (e.g. `State changed from starting to up`). */
export type DynoEventSink = (event: { appId: string; dyno: string; message: string }) => void;

/** A one-off dyno: `paas run` (type `run`) or the release phase (type `release`). Never restarted. */
export interface OneOffRequest {
  /** The release to run from; the formation is ignored. */
  spec: Pick<AppSpec, 'app' | 'release' | 'env' | 'processTypes'>;
  /** Shell command line, run by the launcher like a Procfile command. */
  command: string;
  type: 'run' | 'release';
  size: string;
  /** Interactive: stdin open, and a TTY when asked. Without it, output only goes to `onOutput`. */
  attach?: { tty: boolean };
  /** Extra environment for this run only (e.g. TERM, COLUMNS, LINES). */
  env?: Record<string, string>;
  /** Killed after this long (exit code 137 then). */
  timeoutMs?: number;
}

export interface OneOffDyno {
  /** `run.3`, `release.1`: numbered per app and type, lowest free number. */
  name: string;
  id: string;
  /** Output as it comes; with a TTY everything arrives as stdout. Register before awaiting `exited`. */
  onOutput(listener: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): void;
  /** The process's stdin, when attached. Ending it sends EOF. */
  stdin: NodeJS.WritableStream | undefined;
  /** Resizes the TTY, when there is one. */
  resize(columns: number, rows: number): Promise<void>;
  /** Sends a signal to the process (e.g. SIGINT for Ctrl-C). */
  signal(name: string): Promise<void>;
  /** Resolves once the process exited and the container is removed. */
  exited: Promise<{ exitCode: number }>;
}

export interface DynoManager {
  /** Adopts the dynos that exist (by label) and starts following the engine's events. */
  start(): Promise<void>;
  /** Stops watching and reconciling. Dynos keep running. */
  close(): Promise<void>;
  /**
   * Makes `spec` the app's desired state and replaces its dynos with zero downtime: new web dynos start
   * and must accept on $PORT, are routed, then old dynos are unrouted, drained and stopped. Rejects with
   * `dyno_boot_timeout` (the new dynos are removed, the previous state keeps serving).
   */
  deploy(spec: AppSpec): Promise<void>;
  /** Makes `spec` desired without replacing matching dynos (startup adoption, formation changes). */
  apply(spec: AppSpec): Promise<void>;
  /**
   * Changes the formation of the desired spec and converges: missing dynos start, extra ones are unrouted,
   * drained and stopped. Rejects with `no_release` when the app has no desired spec.
   */
  scale(appId: string, formation: AppSpec['formation']): Promise<void>;
  /**
   * Replaces running dynos with new ones of the same release (preboot: the new web dynos take traffic
   * before the old ones stop), restarts crashed ones at once, and resets their crash backoff. A one-off
   * dyno is stopped instead. Rejects with `dyno_not_found`, or `dyno_boot_timeout` (old dynos keep serving).
   */
  restart(appId: string, target: RestartTarget): Promise<void>;
  /**
   * Stops one dyno (unrouted and drained first, SIGTERM, grace, SIGKILL). A formation dyno is then
   * started again by the reconciler, as on Heroku; a one-off dyno just ends.
   */
  stop(appId: string, dyno: string): Promise<void>;
  /** The sizes dynos may have. */
  readonly sizes: readonly DynoSize[];
  /** Stops and removes every dyno of the app and forgets it. */
  remove(appId: string): Promise<void>;
  listDynos(appId: string): DynoStatus[];
  /** Web dynos that are up and should receive traffic. */
  backends(appId: string): RouteBackend[];
  /** True when the app has web dynos desired and every one has crashed. */
  isCrashed(appId: string): boolean;
  /** Starts a one-off dyno from a release, alongside the formation. */
  runOneOff(request: OneOffRequest): Promise<OneOffDyno>;
  /** Called whenever an app's dynos change state or routing. */
  onChange(listener: (appId: string) => void): () => void;
}

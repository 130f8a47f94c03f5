import type { DynoSize, DynoState, ProcessTypes, RouteBackend } from '@paas/core';

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
  /** Stops and removes every dyno of the app and forgets it. */
  remove(appId: string): Promise<void>;
  listDynos(appId: string): DynoStatus[];
  /** Web dynos that are up and should receive traffic. */
  backends(appId: string): RouteBackend[];
  /** True when the app has web dynos desired and every one has crashed. */
  isCrashed(appId: string): boolean;
  /** Called whenever an app's dynos change state or routing. */
  onChange(listener: (appId: string) => void): () => void;
}

import type { Clock, Logger, Random } from '@paas/core';
import type { ContainerRuntime } from '@paas/runtime';
import type { AppState } from './app-state.js';
import type { CrashBackoffOptions, DynoEventSink, DynoManagerOptions, PortProbe, RouteSync } from './types.js';

/** Options with every default filled in. */
export type ResolvedOptions = Required<DynoManagerOptions> & { crashBackoff: CrashBackoffOptions };

/** What the manager's parts share: dependencies, the apps, and the ways to report change. */
export interface ManagerContext {
  runtime: ContainerRuntime;
  clock: Clock;
  random: Random;
  probe: PortProbe;
  routes: RouteSync;
  logger: Logger;
  options: ResolvedOptions;
  /** Labels every container of this manager carries; every listing and event watch filters by them. */
  selector: Readonly<Record<string, string>>;
  apps: Map<string, AppState>;
  /** Aborted by `close()`: ends boot watches, the event stream and waits. */
  shutdown: AbortSignal;
  /** Tells onChange listeners, synchronously, so a route sync that follows sees the new state. */
  emitChange(app: AppState): void;
  /** A line for the app's log stream about one dyno. */
  appLog(app: AppState, dyno: string, message: string): void;
  /** Queues a reconcile pass for the app, joining one that has not begun yet. */
  requestPass(app: AppState): Promise<void>;
  /**
   * The engine connection: `lost` while the event stream is down after having worked (no dyno is started
   * then: the reconnection's full pass does it); until `pardonUntil`, exits are taken as the engine's
   * restart rather than the apps' crashes.
   */
  engine: { lost: boolean; pardonUntil: number };
}

export function createAppLog(events: DynoEventSink | undefined, logger: Logger): ManagerContext['appLog'] {
  return (app, dyno, message) => {
    if (!events) return;
    try {
      events({ appId: app.id, dyno, message });
    } catch (err) {
      logger.warn({ err, app: app.id }, 'dyno event sink failed');
    }
  };
}

/** Resolves after `ms` on the clock, or at once when `signal` aborts. */
export function delay(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clock.clearTimeout(timer);
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

import type { Clock, Logger, RouterLogLine } from '@paas/core';
import type { LogService } from '@paas/logs';
import type { Store } from '@paas/store';

/**
 * What the control plane tells an app's log stream, as `paas[api]` lines, worded as Heroku words them.
 * Names only: a config value must never be passed here.
 */
export interface AppLog {
  /** Any API event, e.g. `Build started by admin@example.com`. */
  api(appId: string, message: string): void;
  /** `Scaled to web@2:basic worker@0:basic`. */
  scaled(appId: string, formation: Record<string, { quantity: number; size: string }>, userEmail?: string): void;
}

export function createAppLog(logs: Pick<LogService, 'write'>): AppLog {
  const api = (appId: string, message: string) => logs.write(appId, { source: 'paas', dyno: 'api', message });
  return {
    api,
    scaled(appId, formation, userEmail) {
      const parts = Object.entries(formation)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([type, f]) => `${type}@${f.quantity}:${f.size}`);
      api(appId, `Scaled to ${parts.join(' ')}${userEmail ? ` by ${userEmail}` : ''}`);
    },
  };
}

/**
 * Routers report lines by app name; streams are kept by app id. A line for an app that no longer exists
 * is dropped; lines a router dropped itself can only be counted, not placed in an app's stream.
 */
export function createRouterLineSink(store: Pick<Store, 'findApp'>, logs: Pick<LogService, 'write'>, logger: Logger, clock: Pick<Clock, 'now'>) {
  return (lines: RouterLogLine[], dropped: number, droppedByApp: Record<string, number> = {}): void => {
    const ids = new Map<string, string | undefined>();
    for (const line of lines) {
      if (!ids.has(line.app)) ids.set(line.app, store.findApp(line.app)?.id);
      const appId = ids.get(line.app);
      if (appId) logs.write(appId, { source: 'paas', dyno: 'router', message: line.line, time: line.time });
    }
    if (dropped > 0) logger.warn({ dropped }, 'a router dropped access-log lines before reporting them');
    // The gap in the app's router lines is explained where the user looks: in the app's log.
    for (const [app, n] of Object.entries(droppedByApp)) {
      const appId = ids.has(app) ? ids.get(app) : store.findApp(app)?.id;
      const message = `Error L10 (output buffer overflow): ${n} router lines dropped while the control plane could not take them.`;
      if (appId) logs.write(appId, { source: 'paas', dyno: 'router', message, time: clock.now() });
    }
  };
}

import type { DynoManager } from '@paas/dyno-manager';
import type { Store } from '@paas/store';

/** Counters of platform events the store does not keep (fed by paasd from the dyno manager's events). */
export interface PlatformCounters {
  /** Dynos that crashed (exited when they should have kept running), since paasd started. */
  dynoCrashes: number;
}

/**
 * Prometheus text of the platform itself: apps, builds and releases by status, dynos by state and type,
 * crashes. The routers' request metrics are appended by the caller.
 */
export function platformMetrics(store: Store, dynos: Pick<DynoManager, 'listDynos'>, counters: PlatformCounters): string {
  const out: string[] = [];
  const gauge = (name: string, help: string, type: 'gauge' | 'counter', samples: [Record<string, string>, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${value}`);
    }
  };
  const apps = store.listApps();
  gauge('paas_apps', 'Apps on the platform.', 'gauge', [[{}, apps.length]]);
  const countBy = (table: 'builds' | 'releases') =>
    (store.db.prepare(`SELECT status, COUNT(*) AS n FROM ${table} GROUP BY status ORDER BY status`).all() as { status: string; n: number }[]).map(
      (r): [Record<string, string>, number] => [{ status: r.status }, r.n],
    );
  gauge('paas_builds_total', 'Builds by outcome.', 'counter', countBy('builds'));
  gauge('paas_releases_total', 'Releases by outcome.', 'counter', countBy('releases'));
  const byState = new Map<string, number>();
  for (const app of apps) {
    for (const d of dynos.listDynos(app.id)) {
      const key = `${d.type}\u0000${d.state}`;
      byState.set(key, (byState.get(key) ?? 0) + 1);
    }
  }
  gauge(
    'paas_dynos',
    'Dynos by process type and state.',
    'gauge',
    [...byState.entries()].sort().map(([key, n]) => {
      const [type, state] = key.split('\u0000');
      return [{ type: type!, state: state! }, n];
    }),
  );
  gauge('paas_dyno_crashes_total', 'Dynos that crashed since the control plane started.', 'counter', [[{}, counters.dynoCrashes]]);
  return `${out.join('\n')}\n`;
}

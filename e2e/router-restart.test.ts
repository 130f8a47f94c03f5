import { describe, expect, it } from 'vitest';
import { deployedApp } from './support/deployed-app.js';
import { until } from './support/http.js';
import { startLoad } from './support/load.js';
import { Platform, type RouterHealth } from './support/platform.js';

/**
 * Issue 8: restarting or upgrading the router drops no request. The router runs socket-activated, as
 * systemd runs it with paas-router.socket, so that both ways are shown: a reload (SIGHUP, new worker
 * processes with the code on disk) and a full restart of the router process.
 */
describe('router reload and restart under load', () => {
  const platform = new Platform({ PAAS_ROUTER_WORKERS: '2' }, true);
  const { app } = deployedApp(platform, 'node-basic', 'e2e-reload');

  it('replaces every router worker process three times (SIGHUP) under 20 keep-alive clients with zero failed requests', async () => {
    const first = await platform.routerHealth();
    expect(first).toMatchObject({ status: 'ok', workers: 2, reloading: false });
    const load = startLoad(platform.routerPort, `${app}.localhost`, { concurrency: 20 });
    const served = async (more: number) => {
      const target = load.report.total + more;
      await until('requests to flow', async () => load.report.total, (n) => n >= target, 30_000);
    };
    await served(200);
    const generations: RouterHealth[] = [first];
    for (let i = 0; i < 3; i++) {
      const before = generations.at(-1)!;
      await platform.signalRouter('SIGHUP');
      const after = await until(
        'the new generation of router workers',
        () => platform.routerHealth(),
        (h) => h.generation > before.generation && !h.reloading && h.workers === 2,
        30_000,
      );
      // Entirely new processes, and they carry the traffic.
      expect(after.pids.filter((pid) => before.pids.includes(pid))).toEqual([]);
      generations.push(after);
      await served(200);
    }
    const report = await load.stop();

    expect(report.failures).toEqual([]);
    expect(report.total).toBeGreaterThan(800);
    expect([...report.bodies.keys()]).toEqual(['node-basic v1']);
    expect(generations.at(-1)!.reloads).toBe(3);
  });

  it('restarts the whole router process twice (SIGTERM, started again on the same socket) under load with zero failed requests', async () => {
    const load = startLoad(platform.routerPort, `${app}.localhost`, { concurrency: 20 });
    const served = async (more: number) => {
      const target = load.report.total + more;
      await until('requests to flow', async () => load.report.total, (n) => n >= target, 30_000);
    };
    await served(200);
    for (let i = 0; i < 2; i++) {
      const before = await platform.routerHealth();
      process.kill(before.pid, 'SIGTERM');
      const after = await until('a new router process', () => platform.routerHealth().catch(() => undefined), (h) => h !== undefined && h.pid !== before.pid && h.workers === 2, 30_000);
      expect(after!.pids.filter((pid) => before.pids.includes(pid))).toEqual([]);
      await served(200);
    }
    const report = await load.stop();

    expect(report.failures).toEqual([]);
    expect(report.total).toBeGreaterThan(600);
    expect([...report.bodies.keys()]).toEqual(['node-basic v1']);
  });

  it('lets a deploy after a reload go ahead without waiting for the retired workers', async () => {
    const before = await platform.routerHealth();
    await platform.signalRouter('SIGHUP');
    await until('the reload', () => platform.routerHealth(), (h) => h.generation > before.generation && !h.reloading, 30_000);
    await platform.paasOk(['config:set', '-a', app, 'AFTER_RELOAD=1']);
    // Routers report which table they serve; the retired workers said goodbye and are not listed.
    const routers = await until(
      'the control plane to list only the live router workers',
      async () => (await fetch(`${platform.apiUrl}/router/routers`, { headers: { authorization: `Bearer ${platform.token}` } })).json() as Promise<{ id: string }[]>,
      (list) => list.length === 2,
      10_000,
    );
    expect(routers).toHaveLength(2);
    expect((await platform.request(app)).body).toBe('node-basic v1');
  });
});

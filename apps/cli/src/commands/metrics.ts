import type { Command } from 'commander';
import type { Context } from '../context.js';

export function registerMetrics(program: Command, ctx: Context): void {
  program
    .command('metrics')
    .description('requests and latency of the app, as seen by the routers')
    .option('-a, --app <app>', 'app name')
    .option('--json', 'output JSON')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = ctx.app(opts.app);
      const m = await ctx.client().getMetrics(app);
      if (opts.json) return ctx.out.json(m);
      const ms = (v: number | null) => (v === null ? '-' : v === Infinity ? '>30000 ms' : `≤${v} ms`);
      ctx.out.line(ctx.out.bold(`=== ${app} Metrics (since the control plane started)`));
      ctx.out.table([
        ['Requests:', String(m.requests.total)],
        ['By status:', `2xx ${m.requests['2xx']}  3xx ${m.requests['3xx']}  4xx ${m.requests['4xx']}  5xx ${m.requests['5xx']}  1xx ${m.requests['1xx']}`],
        ['Latency:', `mean ${m.latency_ms.mean === null ? '-' : `${m.latency_ms.mean.toFixed(1)} ms`}  p50 ${ms(m.latency_ms.p50)}  p95 ${ms(m.latency_ms.p95)}  p99 ${ms(m.latency_ms.p99)}`],
      ]);
    });
}

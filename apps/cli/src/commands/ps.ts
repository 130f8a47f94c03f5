import type { Command } from 'commander';
import type { Context } from '../context.js';
import { ago, formatTime } from '../output.js';

export function registerPs(program: Command, ctx: Context): void {
  program
    .command('ps')
    .description('list dynos')
    .option('-a, --app <app>', 'app name')
    .option('--json', 'output JSON')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = ctx.app(opts.app);
      const dynos = await ctx.client().listDynos(app);
      if (opts.json) return ctx.out.json(dynos);
      if (dynos.length === 0) return ctx.out.line(`No dynos on ${app}.`);
      const byType = new Map<string, typeof dynos>();
      for (const d of dynos) byType.set(d.type, [...(byType.get(d.type) ?? []), d]);
      for (const [type, list] of byType) {
        ctx.out.line(ctx.out.bold(`=== ${type} (${list[0]!.size}): ${list[0]!.command} (${list.length})`));
        for (const d of list) {
          const state = d.state === 'up' ? ctx.out.green(d.state) : d.state === 'crashed' ? ctx.out.red(d.state) : ctx.out.yellow(d.state);
          ctx.out.line(`${d.name}: ${state} ${formatTime(d.updated_at)} (${ago(d.updated_at)})  v${d.release.version}`);
        }
        ctx.out.line();
      }
    });
}

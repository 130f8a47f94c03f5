import type { Command } from 'commander';
import type { Context } from '../context.js';

export function registerMaintenance(program: Command, ctx: Context): void {
  program
    .command('maintenance')
    .description('show whether maintenance mode is on')
    .option('-a, --app <app>', 'app name')
    .action(async (opts: { app?: string }) => {
      const app = await ctx.client().getApp(ctx.app(opts.app));
      ctx.out.line(app.maintenance ? 'on' : 'off');
    });

  for (const on of [true, false]) {
    program
      .command(on ? 'maintenance:on' : 'maintenance:off')
      .description(on ? 'serve a maintenance page (503, H80) instead of the app; dynos keep running' : 'serve the app again')
      .option('-a, --app <app>', 'app name')
      .action(async (opts: { app?: string }) => {
        const app = ctx.app(opts.app);
        await ctx.client().setMaintenance(app, on);
        ctx.out.line(`${on ? 'Enabling' : 'Disabling'} maintenance mode for ${ctx.out.cyan(app)}... done`);
      });
  }
}

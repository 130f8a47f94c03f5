import type { Command } from 'commander';
import type { Context } from '../context.js';

export function registerPsRestart(program: Command, ctx: Context): void {
  program
    .command('ps:restart')
    .argument('[target]', 'a process type (web) or a dyno (web.1); default: every dyno')
    .description('restart dynos: new ones start, and web ones take traffic, before the old ones stop')
    .option('-a, --app <app>', 'app name')
    .action(async (target: string | undefined, opts: { app?: string }) => {
      const app = ctx.app(opts.app);
      const what = target === undefined ? 'dynos' : target.includes('.') ? `${target} dyno` : `${target} dynos`;
      ctx.out.note(`Restarting ${what} on ${ctx.out.cyan(app)}...`);
      await ctx.client().restartDynos(app, target);
      ctx.out.line(`Restarting ${what} on ${app}... done`);
    });

  program
    .command('ps:stop')
    .argument('<dyno>', 'a dyno, e.g. web.1 or run.2')
    .description('stop a dyno (the formation starts a formation dyno again; a one-off dyno ends)')
    .option('-a, --app <app>', 'app name')
    .action(async (dyno: string, opts: { app?: string }) => {
      const app = ctx.app(opts.app);
      await ctx.client().stopDyno(app, dyno);
      ctx.out.line(`Stopping ${dyno} dyno on ${app}... done`);
    });
}

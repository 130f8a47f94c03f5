import type { Command } from 'commander';
import type { Context } from '../context.js';
import { describeFormation, parseResizeArgs, parseScaleArgs } from '../scale-args.js';

export function registerPsScale(program: Command, ctx: Context): void {
  program
    .command('ps:scale')
    .argument('<changes...>', 'TYPE=N, TYPE+N, TYPE-N or TYPE=N:SIZE')
    .description('scale process types (and choose their dyno size)')
    .option('-a, --app <app>', 'app name')
    .addHelpText('after', '\nExamples:\n  $ paas ps:scale web=3 worker=1\n  $ paas ps:scale web+1\n  $ paas ps:scale web=2:standard-2x')
    .action(async (changes: string[], opts: { app?: string }) => {
      const app = ctx.app(opts.app);
      const client = ctx.client();
      const relative = changes.some((c) => /^[^=]+[+-]\d/.test(c));
      const updates = parseScaleArgs(changes, relative ? await client.listFormation(app) : []);
      ctx.out.note('Scaling dynos...');
      const formation = await client.updateFormation(app, updates);
      ctx.out.line(`Scaling dynos... done, now running ${describeFormation(formation)}`);
    });

  program
    .command('ps:resize')
    .argument('<changes...>', 'TYPE=SIZE')
    .description('change the dyno size of process types (their dynos are replaced)')
    .option('-a, --app <app>', 'app name')
    .action(async (changes: string[], opts: { app?: string }) => {
      const app = ctx.app(opts.app);
      const formation = await ctx.client().updateFormation(app, parseResizeArgs(changes));
      ctx.out.line(`Resizing dynos... done, now running ${describeFormation(formation)}`);
    });
}

import type { Command } from 'commander';
import { PaasError } from '@paas/core';
import type { Context } from '../context.js';
import { followRelease } from '../release-wait.js';

export function registerRollback(program: Command, ctx: Context): void {
  program
    .command('rollback')
    .argument('[release]', 'version to roll back to, e.g. v4 (default: the one before current)')
    .description("make a new release from an earlier release's code and config, without building")
    .option('-a, --app <app>', 'app name')
    .addHelpText('after', '\nExamples:\n  $ paas rollback\n  $ paas rollback v4')
    .action(async (target: string | undefined, opts: { app?: string }) => {
      if (target !== undefined && !/^v?\d+$/.test(target)) throw new PaasError('invalid_params', `Not a release version: ${target} (use e.g. v4)`);
      const app = ctx.app(opts.app);
      const release = await ctx.client().rollback(app, target?.replace(/^v/, ''));
      ctx.out.note(`${release.description} on ${ctx.out.cyan(app)}...`);
      const done = await followRelease(ctx, app, release);
      ctx.out.line(`${release.description}... done, v${done.version}`);
    });
}

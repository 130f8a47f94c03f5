import type { Command } from 'commander';
import { PaasError } from '@paas/core';
import type { Context } from '../context.js';
import { formatTime } from '../output.js';

export function registerBuilds(program: Command, ctx: Context): void {
  program
    .command('builds')
    .description('list builds, newest first')
    .option('-a, --app <app>', 'app name')
    .option('-n, --num <count>', 'how many builds to show', '15')
    .option('--json', 'output JSON')
    .action(async (opts: { app?: string; num: string; json?: boolean }) => {
      const count = Number(opts.num);
      if (!Number.isInteger(count) || count < 1) throw new PaasError('invalid_params', `-n must be a positive integer, got ${opts.num}`);
      const app = ctx.app(opts.app);
      const builds = (await ctx.client().listBuilds(app)).sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, count);
      if (opts.json) return ctx.out.json(builds);
      ctx.out.line(ctx.out.bold(`=== ${app} Builds`));
      if (builds.length === 0) return ctx.out.line('No builds yet. Deploy with `paas push`.');
      ctx.out.table(
        builds.map((b) => [
          b.id,
          b.status === 'succeeded' ? ctx.out.green(b.status) : b.status === 'failed' ? ctx.out.red(b.status) : ctx.out.yellow(b.status),
          b.release ? `v${b.release.version}` : '',
          (b.source_blob.version ?? '').slice(0, 7),
          formatTime(b.created_at),
        ]),
      );
    });

  program
    .command('builds:output')
    .argument('[build]', 'build id (default: the latest build)')
    .description("print a build's output (live while it runs)")
    .option('-a, --app <app>', 'app name')
    .action(async (id: string | undefined, opts: { app?: string }) => {
      const app = ctx.app(opts.app);
      const client = ctx.client();
      let target = id;
      if (!target) {
        const latest = (await client.listBuilds(app)).sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
        if (!latest) throw new PaasError('build_not_found', `${app} has no builds yet. Deploy with \`paas push\`.`);
        target = latest.id;
      }
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(target)) {
        throw new PaasError('invalid_params', `Not a build id: ${target} (see \`paas builds\`)`);
      }
      for await (const chunk of client.buildOutput(app, target)) ctx.out.stdout.write(chunk);
    });
}

import type { Command } from 'commander';
import { PaasError } from '@paas/core';
import type { Context } from '../context.js';
import { formatTime } from '../output.js';

export function registerReleases(program: Command, ctx: Context): void {
  program
    .command('releases')
    .description('list releases, newest first')
    .option('-a, --app <app>', 'app name')
    .option('-n, --num <count>', 'how many releases to show', '15')
    .option('--json', 'output JSON')
    .action(async (opts: { app?: string; num: string; json?: boolean }) => {
      const count = Number(opts.num);
      if (!Number.isInteger(count) || count < 1) throw new PaasError('invalid_params', `-n must be a positive integer, got ${opts.num}`);
      const app = ctx.app(opts.app);
      const releases = (await ctx.client().listReleases(app)).sort((a, b) => b.version - a.version).slice(0, count);
      if (opts.json) return ctx.out.json(releases);
      ctx.out.line(ctx.out.bold(`=== ${app} Releases`));
      if (releases.length === 0) return ctx.out.line('No releases yet. Deploy with `paas push`.');
      ctx.out.table(
        releases.map((r) => [
          `v${r.version}`,
          r.status === 'succeeded' ? r.description : `${r.description} (${r.status === 'failed' ? ctx.out.red('release failed') : ctx.out.yellow('pending')})`,
          r.user.email,
          formatTime(r.created_at),
          r.current ? ctx.out.green('current') : '',
        ]),
      );
    });

  program
    .command('releases:info')
    .argument('[release]', 'version, e.g. v3 (default: current)')
    .description('show a release')
    .option('-a, --app <app>', 'app name')
    .option('--json', 'output JSON')
    .action(async (version: string | undefined, opts: { app?: string; json?: boolean }) => {
      const app = ctx.app(opts.app);
      const client = ctx.client();
      let target = version;
      if (!target) {
        const info = await client.getApp(app);
        if (!info.current_release) throw new PaasError('no_release', `${app} has no release yet. Deploy with \`paas push\`.`);
        target = String(info.current_release.version);
      }
      if (!/^v?\d+$/.test(target)) throw new PaasError('invalid_params', `Not a release version: ${target} (use e.g. v3)`);
      const release = await client.getRelease(app, target.replace(/^v/, ''));
      if (opts.json) return ctx.out.json(release);
      ctx.out.line(ctx.out.bold(`=== Release v${release.version}`));
      ctx.out.table([
        ['Description:', release.description],
        ['Status:', release.status + (release.failure_reason ? ` (${release.failure_reason})` : '')],
        ['Current:', release.current ? 'yes' : 'no'],
        ['By:', release.user.email],
        ['When:', formatTime(release.created_at)],
        ['Slug:', release.slug?.id ?? '-'],
      ]);
    });
}

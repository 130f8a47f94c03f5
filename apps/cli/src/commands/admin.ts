import type { Command } from 'commander';
import type { Context } from '../context.js';
import { formatBytes } from '../output.js';

export function registerAdmin(program: Command, ctx: Context): void {
  program
    .command('admin:gc')
    .description('remove old slugs beyond the retention, stopped containers, unused images, caches of destroyed apps')
    .option('--dry-run', 'only show what would be removed')
    .option('--json', 'output JSON')
    .addHelpText('after', '\nExamples:\n  $ paas admin:gc --dry-run\n  $ paas admin:gc')
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const result = await ctx.client().collectGarbage(opts.dryRun ?? false);
      if (opts.json) return ctx.out.json(result);
      const verb = result.dry_run ? 'Would remove' : 'Removed';
      if (result.items.length === 0) return ctx.out.line('Nothing to remove.');
      ctx.out.table(result.items.map((i) => [i.kind, i.app ?? '-', i.name, formatBytes(i.bytes)]), ['Kind', 'App', 'Name', 'Size']);
      ctx.out.line(`${verb} ${result.items.length} items, ${formatBytes(result.bytes)}.`);
    });
}

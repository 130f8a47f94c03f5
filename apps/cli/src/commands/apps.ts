import { resolve } from 'node:path';
import type { Command } from 'commander';
import { PaasError, assertAppName } from '@paas/core';
import type { Context } from '../context.js';
import { formatBytes, formatTime } from '../output.js';

interface AppOpt {
  app?: string;
  json?: boolean;
}

export function registerApps(program: Command, ctx: Context): void {
  program
    .command('apps')
    .description('list apps')
    .option('--json', 'output JSON')
    .action(async (opts: AppOpt) => {
      const apps = await ctx.client().listApps();
      if (opts.json) return ctx.out.json(apps);
      if (apps.length === 0) return ctx.out.line('You have no apps. Create one with `paas apps:create NAME`.');
      ctx.out.line(ctx.out.bold('=== Apps'));
      for (const app of apps) ctx.out.line(app.name);
    });

  program
    .command('apps:create')
    .argument('<name>', 'app name: 2-30 lower-case letters, digits and dashes')
    .description('create an app and link the current directory to it')
    .option('--no-link', 'do not link the current directory')
    .option('--json', 'output JSON')
    .addHelpText('after', '\nExamples:\n  $ paas apps:create myapp')
    .action(async (name: string, opts: { link: boolean; json?: boolean }) => {
      assertAppName(name);
      const app = await ctx.client().createApp(name);
      if (opts.link) ctx.updateSettings((s) => ({ ...s, links: { ...s.links, [resolve(ctx.cwd)]: app.name } }));
      if (opts.json) return ctx.out.json(app);
      ctx.out.line(`Creating ${ctx.out.cyan(app.name)}... done`);
      ctx.out.line(app.web_url);
    });

  program
    .command('apps:link')
    .argument('<name>', 'app name')
    .description('link the current directory to an existing app')
    .action(async (name: string) => {
      const app = await ctx.client().getApp(name);
      ctx.updateSettings((s) => ({ ...s, links: { ...s.links, [resolve(ctx.cwd)]: app.name } }));
      ctx.out.line(`Linked ${resolve(ctx.cwd)} to ${app.name}`);
    });

  program
    .command('apps:info')
    .description('show an app')
    .option('-a, --app <app>', 'app name')
    .option('--json', 'output JSON')
    .action(async (opts: AppOpt) => {
      const client = ctx.client();
      const app = await client.getApp(ctx.app(opts.app));
      const [dynos, formation, disk] = await Promise.all([client.listDynos(app.name), client.listFormation(app.name), client.diskUsage(app.name)]);
      if (opts.json) return ctx.out.json({ ...app, formation, dynos, disk_usage: disk });
      ctx.out.line(ctx.out.bold(`=== ${app.name}`));
      ctx.out.table([
        ['Web URL:', app.web_url],
        ['Release:', app.current_release ? `v${app.current_release.version}` : 'none (push code to deploy)'],
        ['Released:', app.released_at ? formatTime(app.released_at) : '-'],
        ['Formation:', formation.map((f) => `${f.type}=${f.quantity}:${f.size}`).join(' ') || '-'],
        ['Dynos:', dynos.map((d) => `${d.name} ${d.state}`).join(', ') || '-'],
        ['Maintenance:', app.maintenance ? 'on' : 'off'],
        ['Disk:', `${formatBytes(disk.total_bytes)} (${disk.slugs} slugs ${formatBytes(disk.slugs_bytes)}, build cache ${formatBytes(disk.cache_bytes)})`],
        ['Created:', formatTime(app.created_at)],
      ]);
    });

  program
    .command('apps:destroy')
    .argument('[name]', 'app name')
    .description('destroy an app: its dynos, slugs, releases and config')
    .option('-a, --app <app>', 'app name')
    .option('--confirm <name>', 'the app name again, to confirm')
    .addHelpText('after', '\nExamples:\n  $ paas apps:destroy myapp --confirm myapp')
    .action(async (name: string | undefined, opts: { app?: string; confirm?: string }) => {
      const app = name ?? ctx.app(opts.app);
      if (opts.confirm !== app) {
        throw new PaasError('confirmation_required', `This destroys ${app} and everything in it. Confirm with --confirm ${app}.`);
      }
      await ctx.client().destroyApp(app);
      ctx.updateSettings((s) => ({ ...s, links: Object.fromEntries(Object.entries(s.links ?? {}).filter(([, a]) => a !== app)) }));
      ctx.out.line(`Destroying ${ctx.out.cyan(app)} (including all its dynos and releases)... done`);
    });
}

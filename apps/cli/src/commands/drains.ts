import type { Command } from 'commander';
import type { Context } from '../context.js';

export function registerDrains(program: Command, ctx: Context): void {
  program
    .command('drains')
    .description("list the app's log drains")
    .option('-a, --app <app>', 'app name')
    .option('--json', 'output JSON')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = ctx.app(opts.app);
      const drains = await ctx.client().listLogDrains(app);
      if (opts.json) return ctx.out.json(drains);
      ctx.out.line(ctx.out.bold(`=== ${app} Drains`));
      if (drains.length === 0) return ctx.out.line('No drains. Add one with `paas drains:add URL`.');
      ctx.out.table(drains.map((d) => [d.url, ctx.out.dim(`(${d.token})`)]));
    });

  program
    .command('drains:add')
    .argument('<url>', 'syslog://host:port, syslog+tls://host:port or https://host/path')
    .description("copy the app's log lines to a syslog or HTTPS endpoint")
    .option('-a, --app <app>', 'app name')
    .addHelpText('after', '\nExamples:\n  $ paas drains:add syslog+tls://logs.example.com:6514\n  $ paas drains:add https://user:pass@collector.example.com/paas')
    .action(async (url: string, opts: { app?: string }) => {
      const drain = await ctx.client().addLogDrain(ctx.app(opts.app), url);
      ctx.out.line(`Successfully added drain ${drain.url}`);
      ctx.out.note(`The drain token (in each message's HOSTNAME, and the Logplex-Drain-Token header) is ${drain.token}`);
    });

  program
    .command('drains:remove')
    .argument('<drain>', 'URL, id or token of the drain')
    .description('stop copying log lines to a drain')
    .option('-a, --app <app>', 'app name')
    .action(async (ref: string, opts: { app?: string }) => {
      const drain = await ctx.client().removeLogDrain(ctx.app(opts.app), ref);
      ctx.out.line(`Successfully removed drain ${drain.url}`);
    });
}

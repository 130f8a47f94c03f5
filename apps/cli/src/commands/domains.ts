import type { Command } from 'commander';
import type { Context } from '../context.js';

export function registerDomains(program: Command, ctx: Context): void {
  program
    .command('domains')
    .description("list the app's domains")
    .option('-a, --app <app>', 'app name')
    .option('--json', 'output JSON')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = ctx.app(opts.app);
      const domains = await ctx.client().listDomains(app);
      if (opts.json) return ctx.out.json(domains);
      ctx.out.line(ctx.out.bold(`=== ${app} Domains`));
      ctx.out.table(domains.map((d) => [d.hostname, d.kind === 'default' ? ctx.out.dim('(default)') : '']));
    });

  program
    .command('domains:add')
    .argument('<hostname>', 'host name, e.g. www.example.com or *.example.com')
    .description('route a custom domain (or a wildcard) to the app')
    .option('-a, --app <app>', 'app name')
    .addHelpText('after', '\nPoint the domain (a DNS A record, or a CNAME) at this machine.\n\nExamples:\n  $ paas domains:add www.example.com\n  $ paas domains:add "*.example.com"')
    .action(async (hostname: string, opts: { app?: string }) => {
      const app = ctx.app(opts.app);
      const domain = await ctx.client().addDomain(app, hostname);
      ctx.out.line(`Adding ${domain.hostname} to ${ctx.out.cyan(app)}... done`);
    });

  program
    .command('domains:remove')
    .argument('<hostname>', 'host name')
    .description('stop routing a custom domain to the app')
    .option('-a, --app <app>', 'app name')
    .action(async (hostname: string, opts: { app?: string }) => {
      const app = ctx.app(opts.app);
      const domain = await ctx.client().removeDomain(app, hostname);
      ctx.out.line(`Removing ${domain.hostname} from ${ctx.out.cyan(app)}... done`);
    });
}

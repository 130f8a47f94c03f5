import type { Command } from 'commander';
import { PaasError } from '@paas/core';
import type { Context } from '../context.js';
import { followRelease } from '../release-wait.js';

/** `KEY=VALUE` split at the first `=`: values may contain `=` and newlines. */
export function parseAssignments(args: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new PaasError('invalid_params', `${JSON.stringify(arg.split('=')[0])} is not KEY=VALUE. Usage: paas config:set KEY=VALUE [KEY=VALUE ...]`);
    vars[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return vars;
}

/** `KEY='value'`, safe to `eval` in a POSIX shell. */
export function shellLine(key: string, value: string): string {
  return `${key}='${value.replace(/'/g, `'\\''`)}'`;
}

export function registerConfig(program: Command, ctx: Context): void {
  program
    .command('config')
    .description('show config vars')
    .option('-a, --app <app>', 'app name')
    .option('--json', 'output JSON')
    .option('--shell', "output KEY='value' lines for a shell")
    .action(async (opts: { app?: string; json?: boolean; shell?: boolean }) => {
      const app = ctx.app(opts.app);
      const config = await ctx.client().getConfigVars(app);
      const keys = Object.keys(config).sort();
      if (opts.json) return ctx.out.json(config);
      if (opts.shell) return keys.forEach((k) => ctx.out.line(shellLine(k, config[k]!)));
      ctx.out.line(ctx.out.bold(`=== ${app} Config Vars`));
      if (keys.length === 0) return ctx.out.line('No config vars. Set one with `paas config:set KEY=VALUE`.');
      ctx.out.table(keys.map((k) => [`${ctx.out.green(k)}:`, config[k]!]));
    });

  program
    .command('config:get')
    .argument('<key>', 'config var name')
    .description('print one config var value (empty when unset)')
    .option('-a, --app <app>', 'app name')
    .action(async (key: string, opts: { app?: string }) => {
      const config = await ctx.client().getConfigVars(ctx.app(opts.app));
      ctx.out.line(config[key] ?? '');
    });

  const change = async (app: string, changes: Record<string, string | null>, restart: boolean, verb: string) => {
    const names = Object.keys(changes).join(', ');
    ctx.out.note(`${verb} ${names} and ${restart ? 'restarting' : 'not restarting'} ${ctx.out.cyan(app)}...`);
    const result = await ctx.client().updateConfigVars(app, changes, { restart });
    if (!result.release) {
      ctx.out.note('No change: the values are already set.');
      return result.config;
    }
    const release = await followRelease(ctx, app, result.release);
    ctx.out.note(`${verb} ${names}... done, v${release.version}${restart ? '' : ' (takes effect at the next restart)'}`);
    return result.config;
  };

  program
    .command('config:set')
    .argument('<assignments...>', 'KEY=VALUE pairs')
    .description('set config vars; each change is a new release and restarts the dynos')
    .option('-a, --app <app>', 'app name')
    .option('--no-restart', 'record the release without restarting the dynos')
    .addHelpText('after', "\nExamples:\n  $ paas config:set RACK_ENV=production 'GREETING=hello world'\n  $ paas config:set --no-restart FEATURE_X=on")
    .action(async (assignments: string[], opts: { app?: string; restart: boolean }) => {
      const vars = parseAssignments(assignments);
      const app = ctx.app(opts.app);
      const config = await change(app, vars, opts.restart, 'Setting');
      for (const key of Object.keys(vars)) ctx.out.line(`${ctx.out.green(`${key}:`)} ${config[key] ?? ''}`);
    });

  program
    .command('config:unset')
    .argument('<keys...>', 'config var names')
    .description('unset config vars; a new release that restarts the dynos')
    .option('-a, --app <app>', 'app name')
    .option('--no-restart', 'record the release without restarting the dynos')
    .action(async (keys: string[], opts: { app?: string; restart: boolean }) => {
      const app = ctx.app(opts.app);
      await change(app, Object.fromEntries(keys.map((k) => [k, null])), opts.restart, 'Unsetting');
    });
}

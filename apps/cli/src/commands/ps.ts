import type { Command } from 'commander';
import type { Dyno } from '@paas/core';
import type { Context } from '../context.js';
import { ago, formatTime } from '../output.js';

export function registerPs(program: Command, ctx: Context): void {
  program
    .command('ps')
    .description('list dynos: state and since when, command, release; when a crashed one is tried again')
    .option('-a, --app <app>', 'app name')
    .option('--json', 'output JSON')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = ctx.app(opts.app);
      const dynos = await ctx.client().listDynos(app);
      if (opts.json) return ctx.out.json(dynos);
      if (dynos.length === 0) return ctx.out.line(`No dynos on ${app}.`);
      const now = Date.now();
      const oneOff = (d: Dyno) => d.type === 'run' || d.type === 'release';
      const byType = new Map<string, Dyno[]>();
      for (const d of dynos) byType.set(d.type, [...(byType.get(d.type) ?? []), d]);
      for (const [type, list] of byType) {
        if (oneOff(list[0]!)) {
          ctx.out.line(ctx.out.bold(`=== ${type}: one-off processes (${list.length})`));
          for (const d of list) ctx.out.line(`${d.name} (${d.size}): ${state(ctx, d)} ${since(d, now)}: ${d.command}`);
        } else {
          ctx.out.line(ctx.out.bold(`=== ${type} (${list[0]!.size}): ${list[0]!.command} (${list.length})`));
          for (const d of list) ctx.out.line(`${d.name}: ${state(ctx, d)} ${since(d, now)}  v${d.release.version}${crashNote(d, now)}`);
        }
        ctx.out.line();
      }
    });
}

function state(ctx: Context, d: Dyno): string {
  return d.state === 'up' ? ctx.out.green(d.state) : d.state === 'crashed' ? ctx.out.red(d.state) : ctx.out.yellow(d.state);
}

function since(d: Dyno, now: number): string {
  return `${formatTime(d.updated_at)} (${ago(d.updated_at, now)})`;
}

/** For a crashed dyno: how it ended and when the platform tries again. */
function crashNote(d: Dyno, now: number): string {
  if (d.state !== 'crashed') return '';
  const status = d.exit_code === null || d.exit_code === undefined ? '' : `exit ${d.exit_code}, `;
  if (!d.restart_at) return status ? `  (${status.slice(0, -2)})` : '';
  const wait = Math.max(0, Math.round((Date.parse(d.restart_at) - now) / 1000));
  return `  (${status}next attempt ${wait === 0 ? 'now' : `in ${wait}s`}, at ${formatTime(d.restart_at)})`;
}

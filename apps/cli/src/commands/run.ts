import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import type { DynoAttachment } from '@paas/client';
import type { Context } from '../context.js';
import { commandLine, parseEnvOption } from '../run-args.js';

interface RunOptions {
  app?: string;
  size?: string;
  env?: string[];
  tty: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerRun(program: Command, ctx: Context): void {
  program
    .command('run')
    .argument('<command...>', 'the command to run, with its arguments')
    .description("run a one-off dyno attached to this terminal; exits with the command's status")
    .option('-a, --app <app>', 'app name')
    .option('-s, --size <size>', 'dyno size (default: basic)')
    .option('-e, --env <KEY=value;...>', 'extra environment for this dyno (repeatable)', collect)
    .option('--no-tty', 'no TTY, even on a terminal')
    // Everything after the command belongs to it: `paas run ls -a` lists hidden files.
    .passThroughOptions()
    .addHelpText('after', '\nExamples:\n  $ paas run bash\n  $ paas run node -e "console.log(process.env.DYNO)"\n  $ cat dump.sql | paas run --no-tty psql')
    .action(async (words: string[], opts: RunOptions) => {
      const app = ctx.app(opts.app);
      const command = commandLine(words);
      const stdin = process.stdin;
      const stdout = process.stdout;
      const tty = opts.tty && Boolean(stdin.isTTY) && Boolean(stdout.isTTY);
      const env = { ...parseEnvOption(opts.env), ...(tty ? terminalEnv(ctx.env, stdout) : {}) };
      const client = ctx.client();
      ctx.out.note(`Running ${ctx.out.bold(command)} on ${ctx.out.cyan(app)}...`);
      const dyno = await client.createDyno(app, {
        command,
        attach: true,
        force_no_tty: !tty,
        env,
        ...(opts.size ? { size: opts.size } : {}),
      });
      const attachment = await client.attachDyno(dyno);
      ctx.out.note(`${ctx.out.green('up')}, ${dyno.name} (${dyno.size})`);
      ctx.exitCode = await relay(attachment, tty);
    });

  program
    .command('run:detached')
    .argument('<command...>', 'the command to run, with its arguments')
    .description('run a one-off dyno in the background; its output goes to the logs')
    .option('-a, --app <app>', 'app name')
    .option('-s, --size <size>', 'dyno size (default: basic)')
    .option('-e, --env <KEY=value;...>', 'extra environment for this dyno (repeatable)', collect)
    .passThroughOptions()
    .action(async (words: string[], opts: Omit<RunOptions, 'tty'>) => {
      const app = ctx.app(opts.app);
      const command = commandLine(words);
      const dyno = await ctx.client().createDyno(app, {
        command,
        env: parseEnvOption(opts.env),
        ...(opts.size ? { size: opts.size } : {}),
      });
      ctx.out.line(`Running ${ctx.out.bold(command)} on ${ctx.out.cyan(app)}... up, ${dyno.name}`);
      ctx.out.note(`Its output goes to the app's logs; stop it with \`paas ps:stop ${dyno.name}\`.`);
    });
}

/**
 * Connects this terminal to the dyno until its process exits: output out, input in (raw, with a TTY, so
 * Ctrl-C reaches the dyno's terminal; without one, Ctrl-C is sent as SIGINT), size changes along.
 */
async function relay(attachment: DynoAttachment, tty: boolean): Promise<number> {
  const { stdin, stdout, stderr } = process;
  attachment.stdout.pipe(stdout, { end: false });
  attachment.stderr.pipe(stderr, { end: false });
  const onResize = () => attachment.resize(stdout.columns, stdout.rows);
  const onSigint = () => attachment.signal('SIGINT');
  const onSigterm = () => attachment.signal('SIGTERM');
  if (tty) {
    stdin.setRawMode(true);
    stdout.on('resize', onResize);
    onResize();
  } else {
    process.on('SIGINT', onSigint);
  }
  process.on('SIGTERM', onSigterm);
  stdin.pipe(attachment.stdin);
  try {
    const code = await attachment.exit;
    // Everything the dyno wrote is out before the exit status is.
    await Promise.all([finished(attachment.stdout), finished(attachment.stderr)]);
    return code;
  } finally {
    stdin.unpipe(attachment.stdin);
    // Stop reading, or a terminal (or a pipe that never ends) would keep the CLI alive.
    stdin.pause();
    if (tty) stdin.setRawMode(false);
    stdout.off('resize', onResize);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    attachment.close();
  }
}

/** The terminal's type and size, so full-screen programs in the dyno draw right from the start. */
function terminalEnv(env: NodeJS.ProcessEnv, stdout: NodeJS.WriteStream): Record<string, string> {
  return {
    TERM: env.TERM ?? 'xterm-256color',
    COLUMNS: String(stdout.columns ?? 80),
    LINES: String(stdout.rows ?? 24),
  };
}

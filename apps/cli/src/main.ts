#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isPaasError } from '@paas/core';
import { registerApps } from './commands/apps.js';
import { registerAuth } from './commands/auth.js';
import { registerPs } from './commands/ps.js';
import { registerPush } from './commands/push.js';
import { registerReleases } from './commands/releases.js';
import { CLI_VERSION, Context } from './context.js';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from './exit-codes.js';

async function main(argv: string[]): Promise<number> {
  // Run as `pnpm paas` (a workspace script), the process starts in the repository root; the user's
  // directory is where pnpm was invoked.
  const cwd = process.env.npm_lifecycle_event === 'paas' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
  const ctx = new Context(process.env, cwd);
  const program = new Command('paas')
    .description('Deploy and run apps on your own paas platform')
    .version(CLI_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerAuth(program, ctx);
  registerApps(program, ctx);
  registerPush(program, ctx);
  registerReleases(program, ctx);
  registerPs(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; everything else commander reports is a usage error.
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(` ${ctx.out.red('!')}    ${message}\n`);
    if (!isPaasError(err) && process.env.PAAS_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return exitCodeFor(err);
  } finally {
    await ctx.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`paas: ${String(err)}\n`);
    process.exitCode = EXIT.failure;
  },
);

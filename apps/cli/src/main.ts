#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isPaasError } from '@paas/core';
import { registerAccess } from './commands/access.js';
import { registerAdmin } from './commands/admin.js';
import { registerApps } from './commands/apps.js';
import { registerAuth } from './commands/auth.js';
import { registerBuilds } from './commands/builds.js';
import { registerCerts } from './commands/certs.js';
import { registerCompletion } from './commands/completion.js';
import { registerConfig } from './commands/config.js';
import { registerDomains } from './commands/domains.js';
import { registerDrains } from './commands/drains.js';
import { registerLogs } from './commands/logs.js';
import { registerMaintenance } from './commands/maintenance.js';
import { registerMetrics } from './commands/metrics.js';
import { registerPs } from './commands/ps.js';
import { registerPsRestart } from './commands/ps-restart.js';
import { registerPsScale } from './commands/ps-scale.js';
import { registerPush } from './commands/push.js';
import { registerReleases } from './commands/releases.js';
import { registerRun } from './commands/run.js';
import { registerRollback } from './commands/rollback.js';
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
    .exitOverride()
    // Options after a subcommand are the subcommand's, so `paas run CMD ARGS` can pass ARGS through.
    .enablePositionalOptions();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerAuth(program, ctx);
  registerApps(program, ctx);
  registerPush(program, ctx);
  registerReleases(program, ctx);
  registerRollback(program, ctx);
  registerConfig(program, ctx);
  registerDomains(program, ctx);
  registerCerts(program, ctx);
  registerMaintenance(program, ctx);
  registerMetrics(program, ctx);
  registerPs(program, ctx);
  registerPsScale(program, ctx);
  registerPsRestart(program, ctx);
  registerRun(program, ctx);
  registerLogs(program, ctx);
  registerDrains(program, ctx);
  registerBuilds(program, ctx);
  registerAccess(program, ctx);
  registerAdmin(program, ctx);
  // Last: the completion script is generated from every command registered before it.
  registerCompletion(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode ?? EXIT.ok;
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

// `paas logs | head` closes the pipe early: that ends the command quietly, it is not a failure.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
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

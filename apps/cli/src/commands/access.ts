import type { Command } from 'commander';
import { PaasError } from '@paas/core';
import type { Context } from '../context.js';
import { readStdin } from '../prompt.js';

export function registerAccess(program: Command, ctx: Context): void {
  program
    .command('access')
    .description('list who may use the app')
    .option('-a, --app <app>', 'app name')
    .option('--json', 'output JSON')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = ctx.app(opts.app);
      const list = await ctx.client().listCollaborators(app);
      if (opts.json) return ctx.out.json(list);
      ctx.out.line(ctx.out.bold(`=== ${app} Access`));
      ctx.out.table(list.map((c) => [c.user.email, c.role]));
    });

  program
    .command('access:add')
    .argument('<email>', 'user to add')
    .description('let another user deploy and manage the app (not destroy it or share it)')
    .option('-a, --app <app>', 'app name')
    .action(async (email: string, opts: { app?: string }) => {
      const app = ctx.app(opts.app);
      await ctx.client().addCollaborator(app, email);
      ctx.out.line(`Adding ${email} to ${ctx.out.cyan(app)} as a collaborator... done`);
    });

  program
    .command('access:remove')
    .argument('<email>', 'user to remove')
    .description("remove a collaborator's access to the app")
    .option('-a, --app <app>', 'app name')
    .action(async (email: string, opts: { app?: string }) => {
      const app = ctx.app(opts.app);
      await ctx.client().removeCollaborator(app, email);
      ctx.out.line(`Removing ${email} from ${ctx.out.cyan(app)}... done`);
    });

  program
    .command('users')
    .description('list users (admin)')
    .option('--json', 'output JSON')
    .action(async (opts: { json?: boolean }) => {
      const users = await ctx.client().listUsers();
      if (opts.json) return ctx.out.json(users);
      ctx.out.table(users.map((u) => [u.email, u.admin ? 'admin' : '']));
    });

  program
    .command('users:add')
    .argument('<email>', 'email of the new user')
    .description('create a user (admin); without --password-stdin a password is generated and shown once')
    .option('--password-stdin', 'read the password from stdin')
    .option('--admin', 'make the user an operator')
    .addHelpText('after', '\nExamples:\n  $ paas users:add ada@example.com\n  $ printf %s "$PASSWORD" | paas users:add ada@example.com --password-stdin')
    .action(async (email: string, opts: { passwordStdin?: boolean; admin?: boolean }) => {
      const password = opts.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : undefined;
      if (password === '') throw new PaasError('invalid_params', 'The password read from stdin is empty.');
      const user = await ctx.client().createUser(email, { ...(password ? { password } : {}), admin: opts.admin ?? false });
      ctx.out.line(`Created ${user.email}${user.admin ? ' (admin)' : ''}`);
      if (user.password) ctx.out.line(`Password (shown once): ${user.password}`);
    });
}

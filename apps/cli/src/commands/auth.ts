import type { Command } from 'commander';
import { PaasError } from '@paas/core';
import { createClient } from '@paas/client';
import type { Context } from '../context.js';
import { prompt, readStdin } from '../prompt.js';

export function registerAuth(program: Command, ctx: Context): void {
  program
    .command('login')
    .description('log in to a paas control API, with email and password or with a token')
    .option('--api-url <url>', 'control API URL, e.g. http://127.0.0.1:8070')
    .option('--email <email>', 'log in as this user (the password is asked, or read with --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--token <token>', 'an API token instead (the admin token is in the data directory: admin-token)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ paas login --api-url http://127.0.0.1:8070 --email ada@example.com\n  $ paas login --api-url http://127.0.0.1:8070 --token "$(cat /var/lib/paas/admin-token)"',
    )
    .action(async (opts: { apiUrl?: string; email?: string; passwordStdin?: boolean; token?: string }) => {
      const saved = ctx.settings();
      const apiUrl = opts.apiUrl ?? ctx.env.PAAS_API_URL ?? (await prompt('API URL', saved.apiUrl ?? 'http://127.0.0.1:8070'));
      try {
        new URL(apiUrl);
      } catch {
        throw new PaasError('invalid_params', `Not a URL: ${apiUrl}`);
      }
      let token = opts.token ?? (opts.email ? undefined : ctx.env.PAAS_API_TOKEN || undefined);
      if (!token && !opts.email && !process.stdin.isTTY) {
        throw new PaasError('invalid_params', 'Give --email (with --password-stdin) or --token: there is no terminal to ask on.');
      }
      if (!token) {
        const email = opts.email ?? (await prompt('Email'));
        const password = opts.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : await prompt('Password', undefined, { secret: true });
        const anonymous = createClient({ apiUrl, token: 'none' });
        try {
          token = (await anonymous.login(email, password)).token;
        } finally {
          await anonymous.close();
        }
      }
      const client = createClient({ apiUrl, token });
      let who;
      try {
        who = await client.account(); // proves the token works
      } finally {
        await client.close();
      }
      ctx.updateSettings((s) => ({ ...s, apiUrl, token }));
      ctx.out.line(`Logged in to ${apiUrl} as ${who.email}${who.admin ? ' (admin)' : ''}`);
    });

  program
    .command('logout')
    .description('revoke the saved token and forget it')
    .action(async () => {
      const saved = ctx.settings();
      if (saved.token && saved.apiUrl) {
        const client = createClient({ apiUrl: saved.apiUrl, token: saved.token });
        // The admin token cannot be revoked through the API; forgetting it locally is all there is to do.
        await client.logout().catch(() => {});
        await client.close();
      }
      ctx.updateSettings(({ token: _token, ...rest }) => rest);
      ctx.out.line('Logged out');
    });

  program
    .command('whoami')
    .description('show who you are logged in as')
    .action(async () => {
      const who = await ctx.client().account();
      ctx.out.line(`${who.email}${who.admin ? ' (admin)' : ''}`);
    });

  program
    .command('auth:token')
    .description('print the API token in use (for scripts: PAAS_API_TOKEN)')
    .action(() => {
      const token = ctx.env.PAAS_API_TOKEN || ctx.settings().token;
      if (!token) throw new PaasError('unauthorized', 'Not logged in. Run `paas login`.');
      ctx.out.line(token);
    });
}

import type { Command } from 'commander';
import { PaasError } from '@paas/core';
import { createClient } from '@paas/client';
import type { Context } from '../context.js';
import { prompt } from '../prompt.js';

export function registerAuth(program: Command, ctx: Context): void {
  program
    .command('login')
    .description('save the control API URL and token for later commands')
    .option('--api-url <url>', 'control API URL, e.g. http://127.0.0.1:8070')
    .option('--token <token>', 'API token (the admin token is in the data directory: admin-token)')
    .addHelpText('after', '\nExamples:\n  $ paas login --api-url http://127.0.0.1:8070 --token "$(cat /var/lib/paas/admin-token)"')
    .action(async (opts: { apiUrl?: string; token?: string }) => {
      const saved = ctx.settings();
      const apiUrl = opts.apiUrl ?? ctx.env.PAAS_API_URL ?? (await prompt('API URL', saved.apiUrl ?? 'http://127.0.0.1:8070'));
      const token = opts.token ?? ctx.env.PAAS_API_TOKEN ?? (await prompt('API token', undefined, { secret: true }));
      if (!apiUrl || !token) throw new PaasError('invalid_params', 'Both an API URL and a token are needed.');
      try {
        new URL(apiUrl);
      } catch {
        throw new PaasError('invalid_params', `Not a URL: ${apiUrl}`);
      }
      const client = createClient({ apiUrl, token });
      try {
        await client.listApps(); // proves the token works
      } finally {
        await client.close();
      }
      ctx.updateSettings((s) => ({ ...s, apiUrl, token }));
      ctx.out.line(`Logged in to ${apiUrl}`);
    });

  program
    .command('logout')
    .description('forget the saved API token')
    .action(() => {
      ctx.updateSettings(({ token: _token, ...rest }) => rest);
      ctx.out.line('Logged out');
    });
}

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { PaasError } from '@paas/core';
import type { Context } from '../context.js';
import { formatTime } from '../output.js';

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new PaasError('invalid_params', `Cannot read the ${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function registerCerts(program: Command, ctx: Context): void {
  program
    .command('certs')
    .description("list the app's TLS certificates")
    .option('-a, --app <app>', 'app name')
    .option('--json', 'output JSON')
    .action(async (opts: { app?: string; json?: boolean }) => {
      const app = ctx.app(opts.app);
      const certs = await ctx.client().listCertificates(app);
      if (opts.json) return ctx.out.json(certs);
      if (certs.length === 0) return ctx.out.line(`${app} has no certificates. Add one with \`paas certs:add CERT KEY\`.`);
      ctx.out.table(
        certs.map((c) => [c.name, c.ssl_cert.cert_domains.join(', '), `expires ${formatTime(c.ssl_cert.expires_at)}`, `serves ${c.domains.join(', ') || '-'}`]),
        ['Name', 'Certificate names', 'Expiry', 'Domains'],
      );
    });

  program
    .command('certs:add')
    .argument('<cert>', 'PEM certificate chain file')
    .argument('<key>', 'PEM private key file')
    .description("serve HTTPS for the app's domains with this certificate (SNI)")
    .option('-a, --app <app>', 'app name')
    .option('--name <name>', 'a name for the certificate')
    .addHelpText('after', '\nExamples:\n  $ paas certs:add server.crt server.key')
    .action(async (certFile: string, keyFile: string, opts: { app?: string; name?: string }) => {
      const app = ctx.app(opts.app);
      const [cert, key] = await Promise.all([readPem(certFile, 'certificate'), readPem(keyFile, 'private key')]);
      const added = await ctx.client().addCertificate(app, cert, key, opts.name);
      ctx.out.line(`Adding certificate ${added.name} to ${ctx.out.cyan(app)}... done`);
      ctx.out.line(`It serves ${added.domains.join(', ')} (expires ${formatTime(added.ssl_cert.expires_at)}).`);
    });

  program
    .command('certs:remove')
    .argument('<name>', 'certificate name or id')
    .description('stop serving a certificate')
    .option('-a, --app <app>', 'app name')
    .action(async (name: string, opts: { app?: string }) => {
      const app = ctx.app(opts.app);
      const removed = await ctx.client().removeCertificate(app, name);
      ctx.out.line(`Removing certificate ${removed.name} from ${ctx.out.cyan(app)}... done`);
    });
}

import { PaasError, type Release } from '@paas/core';
import type { Context } from './context.js';

/**
 * Follows a config or rollback release: its output (release phase, dynos starting) to stderr as it
 * happens, then its outcome. Throws when it failed; the previous release keeps serving then.
 */
export async function followRelease(ctx: Context, app: string, release: { id: string; version: number }): Promise<Release> {
  const client = ctx.client();
  for await (const chunk of client.releaseOutput(app, release.id)) ctx.out.stderr.write(chunk);
  const deadline = Date.now() + 2 * 3600_000;
  for (;;) {
    const current = await client.getRelease(app, release.id);
    if (current.status === 'failed') {
      throw new PaasError('release_failed', `Release v${current.version} failed: ${current.failure_reason ?? 'see the output above'}`);
    }
    if (current.status === 'succeeded') return current;
    if (Date.now() > deadline) throw new PaasError('internal_error', `Release v${current.version} is still pending; check \`paas releases\`.`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { PaasError, type Build } from '@paas/core';
import type { Context } from '../context.js';
import { formatBytes } from '../output.js';
import { packSource } from '../source-archive.js';

export function registerPush(program: Command, ctx: Context): void {
  program
    .command('push')
    .argument('[dir]', 'directory of the app', '.')
    .description('build the app from a directory and release it')
    .option('-a, --app <app>', 'app name (default: the app linked to the directory)')
    .addHelpText('after', '\nExamples:\n  $ paas push\n  $ paas push ./web -a myapp')
    .action(async (dirArg: string, opts: { app?: string }) => {
      const dir = resolve(ctx.cwd, dirArg);
      const st = await stat(dir).catch(() => undefined);
      if (!st?.isDirectory()) throw new PaasError('invalid_params', `${dir} is not a directory.`);
      const app = ctx.app(opts.app, dir);
      const client = ctx.client();
      const info = await client.getApp(app); // fails fast on a wrong app name, before packing

      const work = await mkdtemp(join(tmpdir(), 'paas-push-'));
      try {
        const tarball = join(work, 'source.tgz');
        ctx.out.note(`Packing ${dir}...`);
        const packed = await packSource(dir, tarball);
        const size = (await stat(tarball)).size;
        ctx.out.note(`Packing ${dir}... done, ${packed.files} files, ${formatBytes(size)} compressed`);

        const upload = progress(ctx, size);
        const source = await client.uploadSource(app, createReadStream(tarball).pipe(upload.counter), size);
        upload.done();
        const version = await gitCommit(dir);
        const build = await client.createBuild(app, { id: source.id, ...(version ? { version } : {}) });
        for await (const chunk of client.buildOutput(app, build.id)) ctx.out.stdout.write(chunk);
        await finish(ctx, app, await settled(ctx, app, build), info.web_url);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
}

/**
 * Reports upload progress: a live percentage on a terminal as bytes pass `counter`, and a last line
 * from `done()` once the API has accepted the upload. (Not from the stream's end: the HTTP client may
 * stop reading the body once it has sent the declared length, and then the stream never ends.)
 */
function progress(ctx: Context, total: number): { counter: Transform; done: () => void } {
  let sent = 0;
  let lastPercent = -1;
  const tty = Boolean(ctx.out.stderr.isTTY);
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      const percent = Math.floor((sent / total) * 100);
      if (tty && percent !== lastPercent) {
        lastPercent = percent;
        ctx.out.stderr.write(`\rUploading source... ${percent}% (${formatBytes(sent)})`);
      }
      cb(null, chunk);
    },
  });
  const done = () => ctx.out.stderr.write(`${tty ? '\r' : ''}Uploading source... done, ${formatBytes(total)}${tty ? '   ' : ''}\n`);
  return { counter, done };
}

/** The build once it and its release have finished (the output stream ends then; this covers a cut stream). */
async function settled(ctx: Context, app: string, build: Build): Promise<Build> {
  const client = ctx.client();
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const current = await client.getBuild(app, build.id);
    const releasePending = current.release ? (await client.getRelease(app, current.release.id)).status === 'pending' : false;
    if (current.status !== 'pending' && !releasePending) return current;
    if (Date.now() > deadline) throw new PaasError('internal_error', `Build ${build.id} is still running; check \`paas releases\`.`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function finish(ctx: Context, app: string, build: Build, webUrl: string): Promise<void> {
  if (build.status === 'failed') {
    throw new PaasError('slug_compile_failed', `Build failed: ${build.error?.message ?? 'see the output above'}`, { details: { reported: true } });
  }
  if (!build.release) throw new PaasError('release_failed', 'The build made no release; see the output above.');
  const release = await ctx.client().getRelease(app, build.release.id);
  if (release.status !== 'succeeded' || !release.current) {
    throw new PaasError('release_failed', `Release v${release.version} failed: ${release.failure_reason ?? 'see the output above'}. The previous release keeps serving.`);
  }
  ctx.out.line(`${ctx.out.green('Deployed')} v${release.version} to ${webUrl}`);
}

/** The commit being pushed, when the directory is a git work tree. */
async function gitCommit(dir: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', ['-C', dir, 'rev-parse', 'HEAD'], { timeout: 5000 });
    const sha = stdout.trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

import type { Command } from 'commander';
import { PaasError, isPaasError, type LogLine, type LogRecord, type LogSource } from '@paas/core';
import type { LogsRequest } from '@paas/client';
import type { Context } from '../context.js';
import type { Output } from '../output.js';

/** The API keeps 1500 lines per app. */
const MAX_LINES = 1500;
/** The API pings every 15 s while tailing; silence for this long means the connection is dead. */
const SILENCE_MS = 45_000;
const DYNO_PATTERN = /^[a-z][a-z0-9_-]{0,29}(\.[0-9]{1,5})?$/;

interface LogsOptions {
  app?: string;
  num: string;
  tail?: boolean;
  source?: string;
  dyno?: string;
  json?: boolean;
}

/** `2026-11-29T18:00:00.123456+00:00 app[web.1]: listening on 5000`, the prefix coloured by source. */
export function formatLine(line: LogLine, out: Pick<Output, 'paint'>): string {
  const color = line.source === 'app' ? 36 : line.dyno === 'router' ? 35 : 33;
  return `${out.paint(2, line.time)} ${out.paint(color, `${line.source}[${line.dyno}]:`)} ${line.message}`;
}

/** Validates the options into the API's query. */
export function logsRequest(opts: Pick<LogsOptions, 'num' | 'source' | 'dyno'>): LogsRequest {
  const lines = Number(opts.num);
  if (!Number.isInteger(lines) || lines < 1 || lines > MAX_LINES) throw new PaasError('invalid_params', `-n must be an integer from 1 to ${MAX_LINES}, got ${opts.num}`);
  if (opts.source !== undefined && opts.source !== 'app' && opts.source !== 'paas') {
    throw new PaasError('invalid_params', `--source must be app or paas, got ${opts.source}`);
  }
  if (opts.dyno !== undefined && !DYNO_PATTERN.test(opts.dyno)) {
    throw new PaasError('invalid_params', `--dyno must name a dyno (web.1), a process type (web) or router, got ${opts.dyno}`);
  }
  return { lines, ...(opts.source ? { source: opts.source as LogSource } : {}), ...(opts.dyno ? { dyno: opts.dyno } : {}) };
}

export function registerLogs(program: Command, ctx: Context): void {
  program
    .command('logs')
    .description("show the app's recent log lines (dynos, router, platform); --tail keeps streaming")
    .option('-a, --app <app>', 'app name')
    .option('-n, --num <lines>', `how many lines (at most ${MAX_LINES})`, '100')
    .option('-t, --tail', 'keep streaming new lines until interrupted (Ctrl-C)')
    .option('-s, --source <source>', 'only lines from app (your dynos) or paas (router and platform)')
    .option('-d, --dyno <dyno>', 'only lines of a dyno (web.1), a process type (web), or the router')
    .option('--json', 'one JSON object per line: { seq, time, source, dyno, message }')
    .addHelpText('after', '\nExamples:\n  $ paas logs -n 200\n  $ paas logs --tail --source app\n  $ paas logs -t -d router')
    .action(async (opts: LogsOptions) => {
      const request = logsRequest(opts);
      const app = ctx.app(opts.app);
      // Lines arrive in bursts; one write per burst instead of one per line keeps up with a busy app.
      let pending = '';
      const flush = () => {
        if (pending !== '') ctx.out.stdout.write(pending);
        pending = '';
      };
      const print = (record: LogRecord) => {
        if ('seq' in record) {
          if (pending === '') setImmediate(flush);
          pending += `${opts.json ? JSON.stringify(record) : formatLine(record, ctx.out)}\n`;
        } else if ('dropped' in record) {
          flush();
          if (opts.json) ctx.out.line(JSON.stringify(record));
          else ctx.out.note(` ${ctx.out.yellow('!')}    ${record.dropped} lines were missed: they left the app's buffer before this client read them.`);
        }
      };
      try {
        if (!opts.tail) for await (const record of ctx.client().logs(app, request)) print(record);
        else await tail(ctx, app, request, print);
      } finally {
        flush();
      }
    });
}

/**
 * Follows the stream until Ctrl-C. When the connection drops (or goes silent), reconnects and resumes
 * after the last line printed, so no line is lost or repeated.
 */
async function tail(ctx: Context, app: string, request: LogsRequest, print: (r: LogRecord) => void): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let after: number | undefined;
  let connected = false;
  let retries = 0;
  try {
    while (!stop.signal.aborted) {
      const connection = new AbortController();
      const abort = () => connection.abort();
      stop.signal.addEventListener('abort', abort, { once: true });
      let silence = setTimeout(abort, SILENCE_MS);
      try {
        const query = after === undefined ? { ...request, tail: true } : { ...request, lines: undefined, after, tail: true };
        for await (const record of ctx.client().logs(app, query, connection.signal)) {
          connected = true;
          retries = 0;
          clearTimeout(silence);
          silence = setTimeout(abort, SILENCE_MS);
          if ('seq' in record) after = record.seq;
          print(record);
        }
      } catch (err) {
        if (stop.signal.aborted) return;
        // Refusals (no such app, bad token) are final; so is a first connection that never worked.
        if (!connected || (isPaasError(err) && err.code !== 'api_unreachable' && err.code !== 'internal_error')) throw err;
      } finally {
        clearTimeout(silence);
        stop.signal.removeEventListener('abort', abort);
      }
      if (stop.signal.aborted) return;
      if (retries === 0) ctx.out.note(` ${ctx.out.yellow('!')}    Log stream interrupted; reconnecting...`);
      retries++;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(250 * 2 ** retries, 5000));
        stop.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}


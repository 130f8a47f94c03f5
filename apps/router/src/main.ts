#!/usr/bin/env node
/**
 * The router process: reads its environment once, serves the last saved route table at once, and keeps
 * the table current from the control plane. `pnpm router` runs it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { pino } from 'pino';
import { createClient } from '@paas/client';
import type { Logger } from '@paas/core';
import { createRouter, type AccessLogSink } from '@paas/router';
import { loadRouterConfig, type RouterConfig } from './config.js';
import { createRouteWatcher } from './route-watcher.js';
import { createFileTableStore } from './table-store.js';

const VERSION = '0.1.0';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Router lines go to stdout through the logger for now.
 * TODO(log streams): ship them to each app's log stream once the log service exists.
 */
function stdoutAccessLog(logger: Logger): AccessLogSink {
  const log = logger.child({ source: 'heroku', dyno: 'router' });
  return (app, line) => log.info({ app }, line);
}

async function main(): Promise<void> {
  let config: RouterConfig;
  try {
    config = loadRouterConfig(process.env, readText);
  } catch (err) {
    process.stderr.write(`paas-router: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const logger: Logger = pino({ name: 'paas-router' });
  const router = createRouter({ options: config.options, logger, accessLog: stdoutAccessLog(logger) });
  const store = createFileTableStore(config.tablePath);
  try {
    const saved = await store.load();
    if (saved !== undefined) {
      await router.applyTable(saved);
      logger.info({ version: saved.version, path: config.tablePath }, 'serving the saved route table');
    }
  } catch (err) {
    logger.warn({ err: (err as Error).message, path: config.tablePath }, 'could not load the saved route table; starting empty');
  }
  let port: number;
  try {
    port = await router.listen(config.port, config.host);
  } catch (err) {
    logger.error({ err: (err as Error).message, port: config.port, host: config.host }, 'cannot listen');
    process.exit(1);
  }
  logger.info({ port, host: config.host, api: config.apiUrl }, `router listening on port ${port}`);

  const client = createClient({ apiUrl: config.apiUrl, token: config.apiToken, userAgent: `paas-router/${VERSION}` });
  const routerId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const watcher = createRouteWatcher({ source: client, router, store, logger, routerId });
  const stopWatching = new AbortController();
  const watching = watcher.run(stopWatching.signal);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing requests in flight');
    stopWatching.abort();
    await router.close();
    await watching;
    await client.close();
    process.exit(0);
  };
  process.once('SIGTERM', (s) => void stop(s));
  process.once('SIGINT', (s) => void stop(s));
}

void main();

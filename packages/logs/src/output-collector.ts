import { isPaasError, type Clock, type Logger } from '@paas/core';
import type { ContainerInfo, ContainerRuntime } from '@paas/runtime';
import { LineSplitter, MAX_LINE_BYTES } from './line-splitter.js';
import type { LogEntry } from './types.js';

/** The labels the dyno manager puts on dyno and one-off containers (its documented contract). */
const LABELS = {
  managed: 'paas.managed',
  platform: 'paas.platform',
  kind: 'paas.kind',
  appId: 'paas.app_id',
  dyno: 'paas.dyno',
  /** `1` on a one-off dyno a user is attached to (`paas run`): its session is theirs, not the app's log. */
  attached: 'paas.attached',
} as const;

/** Containers whose output is the app's: formation dynos and one-off runs. */
const COLLECTED_KINDS = new Set(['dyno', 'run']);

export interface OutputCollectorDeps {
  runtime: Pick<ContainerRuntime, 'events' | 'listContainers' | 'followLogs' | 'inspectContainer'>;
  /** Only containers of this platform instance (`paas.platform`). */
  platform: string;
  clock: Clock;
  logger: Logger;
  /** Where lines go (the log service, which applies the app's budget). */
  write(appId: string, entry: LogEntry): void;
  /** Time of the newest stored line of a dyno: after a restart, output up to it is not read again. */
  lastTime(appId: string, dyno: string): number | undefined;
  /** Wait before watching the engine again after its event stream ended (doubling up to 30 s). */
  reconnectMs?: number;
  maxLineBytes?: number;
}

export interface OutputCollector {
  /** Follows the running containers and every one that starts from now on. */
  start(): Promise<void>;
  /** Stops following; resolves once every follow has ended. */
  close(): Promise<void>;
  /** Containers followed now. */
  following(): number;
}

/**
 * Follows the stdout and stderr of the platform's dynos and one-off containers through the engine's
 * log API. The engine writes a container's output to disk as it comes, so a reader that falls behind
 * (or drops lines over the app's budget) never blocks the app writing it.
 */
export function createOutputCollector(deps: OutputCollectorDeps): OutputCollector {
  const { runtime, clock, logger } = deps;
  const selector = { [LABELS.managed]: '1', [LABELS.platform]: deps.platform };
  const shutdown = new AbortController();
  const follows = new Map<string, Promise<void>>();
  let watching: Promise<void> | undefined;

  const follow = (id: string, labels: Record<string, string>, resume: boolean) => {
    const appId = labels[LABELS.appId];
    const dyno = labels[LABELS.dyno];
    if (!appId || !dyno || !COLLECTED_KINDS.has(labels[LABELS.kind] ?? '') || labels[LABELS.attached] === '1') return;
    if (follows.has(id) || shutdown.signal.aborted) return;
    const done = readContainer(id, appId, dyno, resume ? deps.lastTime(appId, dyno) : undefined).finally(() => follows.delete(id));
    follows.set(id, done);
  };

  /**
   * Reads one container's output until it stops. When the engine ends the stream of a container that
   * still runs (it happens under heavy output), it follows again from the last entry read: entries of
   * that instant already read are skipped by count, since several lines can share a timestamp.
   */
  const readContainer = async (id: string, appId: string, dyno: string, resumeAt: number | undefined) => {
    let time = clock.now();
    const line = (message: string) => deps.write(appId, { source: 'app', dyno, message, time });
    const max = deps.maxLineBytes ?? MAX_LINE_BYTES;
    const splitters = { stdout: new LineSplitter(line, max), stderr: new LineSplitter(line, max) };
    let since = resumeAt;
    // Entries read at exactly `since`; a resume from the store does not know them, and skips that instant.
    let seenAtSince = resumeAt === undefined ? 0 : Infinity;
    for (let failures = 0; !shutdown.signal.aborted; ) {
      const before = since;
      let skip = seenAtSince;
      try {
        const entries = runtime.followLogs(id, { signal: shutdown.signal, ...(since === undefined ? {} : { since }) });
        for await (const entry of entries) {
          if (before !== undefined && (entry.time < before || (entry.time === before && skip-- > 0))) continue;
          if (entry.time !== since) {
            since = entry.time;
            seenAtSince = 0;
          }
          seenAtSince++;
          time = entry.time;
          splitters[entry.stream].push(entry.data);
        }
      } catch (err) {
        if (isPaasError(err, 'not_found') || shutdown.signal.aborted) break;
        logger.warn({ err, container: id, appId, dyno }, 'lost the output stream of a dyno');
      }
      const info = await runtime.inspectContainer(id).catch(() => undefined);
      if (info?.state !== 'running' || shutdown.signal.aborted) break;
      logger.warn({ container: id, appId, dyno }, 'the engine ended the output stream of a running dyno; following it again');
      failures = since !== before ? 0 : failures + 1;
      await pause(Math.min(100 * 2 ** failures, 5000));
    }
    splitters.stdout.end();
    splitters.stderr.end();
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = clock.setTimeout(resolve, ms);
      shutdown.signal.addEventListener('abort', () => {
        clock.clearTimeout(timer);
        resolve();
      }, { once: true });
    });

  const followRunning = async (resume: boolean) => {
    const containers: ContainerInfo[] = await runtime.listContainers(selector);
    for (const c of containers) if (c.state === 'running') follow(c.id, c.labels, resume);
  };

  /** Reconnects with backoff when the engine's event stream ends (e.g. dockerd restarted). */
  const watch = async (first: AsyncIterator<unknown> | undefined) => {
    let delay = deps.reconnectMs ?? 1000;
    let iterator = first;
    while (!shutdown.signal.aborted) {
      try {
        if (!iterator) {
          iterator = runtime.events(selector, shutdown.signal)[Symbol.asyncIterator]() as AsyncIterator<unknown>;
          await followRunning(true);
        }
        for (;;) {
          const next = (await iterator.next()) as IteratorResult<{ type: string; id: string; labels: Record<string, string> }>;
          if (next.done) break;
          delay = deps.reconnectMs ?? 1000;
          if (next.value.type === 'start') follow(next.value.id, next.value.labels, false);
        }
      } catch (err) {
        if (!shutdown.signal.aborted) logger.warn({ err }, 'lost the engine events; dyno output is followed again after a pause');
      }
      iterator = undefined;
      if (shutdown.signal.aborted) break;
      await pause(delay);
      delay = Math.min(delay * 2, 30_000);
    }
  };

  return {
    async start() {
      // Subscribe before listing, so a container that starts in between is not missed (duplicates are ignored).
      const iterator = runtime.events(selector, shutdown.signal)[Symbol.asyncIterator]() as AsyncIterator<unknown>;
      await followRunning(true);
      watching = watch(iterator);
    },
    async close() {
      shutdown.abort();
      await watching;
      await Promise.allSettled([...follows.values()]);
    },
    following: () => follows.size,
  };
}

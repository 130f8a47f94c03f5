import type { ContainerEvent } from '@paas/runtime';
import { reconnectDelay } from './backoff.js';
import { delay, type ManagerContext } from './context.js';

/** A stream that lasted this long was a working connection: the reconnect backoff starts over. */
const HEALTHY_STREAM_MS = 30_000;

/**
 * Follows the engine's dyno events until the manager closes. The stream ends when dockerd restarts (and
 * with it every dyno): reconnect with backoff, and after each connection run `onConnected` (a full pass),
 * which finds whatever happened while nobody listened.
 */
export async function watchEvents(
  ctx: ManagerContext,
  onEvent: (event: ContainerEvent) => void,
  onConnected: (lostAt: number | undefined) => Promise<void>,
): Promise<void> {
  const { runtime, clock, logger, shutdown } = ctx;
  let attempt = 0;
  let connections = 0;
  // When the last working connection ended, until a new one is made.
  let lostAt: number | undefined;
  while (!shutdown.aborted) {
    const openedAt = clock.now();
    let received = false;
    try {
      await runtime.ping();
      const iterator = runtime.events({ ...ctx.selector }, shutdown)[Symbol.asyncIterator]();
      // Ask for the first event before the pass, so the subscription is open while the pass lists.
      const first = iterator.next();
      if (connections++ > 0) logger.info({ attempt }, 'reconnected to the container engine');
      ctx.engine.lost = false;
      onConnected(lostAt).catch((err: unknown) => logger.error({ err }, 'full reconcile pass failed'));
      lostAt = undefined;
      for (let next = await first; !next.done; next = await iterator.next()) {
        received = true;
        onEvent(next.value);
      }
      if (!shutdown.aborted) logger.warn({}, 'container event stream ended');
    } catch (err) {
      if (shutdown.aborted) break;
      logger.warn({ err, attempt }, 'container event stream failed');
    }
    if (shutdown.aborted) break;
    if (connections > 0) {
      lostAt ??= clock.now();
      ctx.engine.lost = true;
    }
    attempt = received || clock.now() - openedAt >= HEALTHY_STREAM_MS ? 0 : attempt + 1;
    await delay(clock, reconnectDelay(attempt), shutdown);
  }
}

import type { ContainerLogEntry, FollowLogsOptions } from './types.js';

/**
 * The containers' logs of `FakeRuntime`: what tests wrote with `output`, kept and delivered to followers
 * as the engine's log would be.
 */
export class FakeLogs {
  private readonly history = new Map<string, ContainerLogEntry[]>();
  private readonly followers = new Map<string, Set<(entry: ContainerLogEntry) => void>>();

  record(id: string, entry: ContainerLogEntry): void {
    let kept = this.history.get(id);
    if (!kept) this.history.set(id, (kept = []));
    kept.push(entry);
    this.followers.get(id)?.forEach((f) => f(entry));
  }

  /**
   * Subscribes at the call (not at the first `next()`), replays what was logged since `options.since`,
   * then follows until `onEnd` reports the container's end or the signal aborts.
   */
  follow(id: string, options: FollowLogsOptions, stopped: boolean, onEnd: (end: () => void) => void): AsyncIterable<ContainerLogEntry> {
    const { signal, since } = options;
    const queue = (this.history.get(id) ?? []).filter((e) => since === undefined || e.time >= since);
    let ended = stopped;
    let wake: (() => void) | undefined;
    const listener = (entry: ContainerLogEntry) => {
      queue.push(entry);
      wake?.();
    };
    let set = this.followers.get(id);
    if (!set) this.followers.set(id, (set = new Set()));
    set.add(listener);
    onEnd(() => {
      ended = true;
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    async function* iterate(): AsyncGenerator<ContainerLogEntry> {
      try {
        while (!signal.aborted) {
          const next = queue.shift();
          if (next) {
            yield next;
            continue;
          }
          if (ended) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        set!.delete(listener);
        signal.removeEventListener('abort', onAbort);
      }
    }
    return iterate();
  }
}

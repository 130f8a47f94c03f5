/** A held build slot; release it exactly when the build ends (releasing twice is harmless). */
export interface BuildSlot {
  release(): void;
}

export interface BuildQueue {
  /**
   * Resolves with a slot once fewer than `concurrency` builds run and no other build of the same app
   * (`key`) does, first come first served. `onWait` is called once, with the builds ahead, when the
   * caller has to wait. Rejects with the signal's reason if aborted while waiting.
   */
  acquire(key: string, options?: { signal?: AbortSignal; onWait?: (ahead: number) => void }): Promise<BuildSlot>;
  /** Builds waiting for a slot. */
  queued(): number;
  /** Builds holding a slot. */
  running(): number;
}

interface Waiter {
  key: string;
  start: () => void;
}

export function createBuildQueue(concurrency: number): BuildQueue {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`build concurrency must be a positive integer, got ${concurrency}`);
  const waiting: Waiter[] = [];
  // One entry per running build; the same app's builds share a cache dir, so they never overlap.
  const running: string[] = [];

  const pump = () => {
    while (running.length < concurrency) {
      const index = waiting.findIndex((w) => !running.includes(w.key));
      if (index < 0) return;
      const [next] = waiting.splice(index, 1);
      running.push(next!.key);
      next!.start();
    }
  };

  return {
    acquire(key, options = {}) {
      const { signal, onWait } = options;
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<BuildSlot>((resolve, reject) => {
        let released = false;
        const slot: BuildSlot = {
          release() {
            if (released) return;
            released = true;
            running.splice(running.indexOf(key), 1);
            pump();
          },
        };
        const onAbort = () => {
          const index = waiting.indexOf(waiter);
          if (index < 0) return;
          waiting.splice(index, 1);
          reject(signal!.reason);
          pump();
        };
        const waiter: Waiter = {
          key,
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve(slot);
          },
        };
        waiting.push(waiter);
        pump();
        if (waiting.includes(waiter)) {
          signal?.addEventListener('abort', onAbort, { once: true });
          onWait?.(running.length + waiting.indexOf(waiter));
        }
      });
    },
    queued: () => waiting.length,
    running: () => running.length,
  };
}

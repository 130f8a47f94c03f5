import type { DynoState } from '@paas/core';

/**
 * What can happen to a dyno's process: it `booted` (a web dyno accepts on $PORT, any other type is
 * running), it `exited` on its own, or the manager `stopped` it.
 */
export type DynoTransition = 'booted' | 'exited' | 'stopped';

/**
 * The dyno state machine, in one place. A dyno is one container: a restart creates a new dyno that begins
 * in `starting`, so `crashed` and `down` are final for the container.
 */
export function nextDynoState(from: DynoState, event: DynoTransition): DynoState {
  switch (from) {
    case 'starting':
      return event === 'booted' ? 'up' : event === 'exited' ? 'crashed' : 'down';
    case 'up':
      return event === 'exited' ? 'crashed' : event === 'stopped' ? 'down' : 'up';
    case 'crashed':
      return event === 'stopped' ? 'down' : 'crashed';
    case 'down':
      return 'down';
  }
}

/** The process is (still) supposed to be running. */
export function isLive(state: DynoState): boolean {
  return state === 'starting' || state === 'up';
}

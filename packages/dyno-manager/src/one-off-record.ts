import type { DynoState, RouteBackend, TimerHandle } from '@paas/core';
import type { DynoStatus } from './types.js';

/** What every dyno's record holds, formation or one-off: one container. */
export interface DynoContainerRecord {
  /** Container id. */
  id: string;
  name: string;
  type: string;
  index: number;
  releaseId: string;
  releaseVersion: number;
  command: string;
  size: string;
  state: DynoState;
  since: number;
  createdAt: number;
  /** Found running when the manager started. */
  adopted: boolean;
  /** The manager is stopping (or has decided to stop) it. */
  stopping: boolean;
}

/** The status every dyno shares; the caller adds what is particular to its kind. */
export function containerStatus(rec: DynoContainerRecord, backend: RouteBackend | undefined): DynoStatus {
  return {
    id: rec.id,
    name: rec.name,
    type: rec.type,
    state: rec.state,
    command: rec.command,
    size: rec.size,
    release: { id: rec.releaseId, version: rec.releaseVersion },
    since: rec.since,
    createdAt: rec.createdAt,
    backend,
  };
}

/**
 * A one-off dyno (`run.N`, `release.N`): never restarted, removed once it exits. Its `state` is
 * `starting` until the engine started it, `up` while it runs; it is forgotten once it exits. Adopted:
 * nobody is attached, and its app may be gone. Stopping: time to live, stop, or app removed.
 */
export interface OneOffRecord extends DynoContainerRecord {
  /** Kills it when its time to live runs out. */
  killTimer: TimerHandle | undefined;
}

export function oneOffStatus(rec: OneOffRecord): DynoStatus {
  return { ...containerStatus(rec, undefined), oneOff: true };
}

/** The lowest number free for a one-off dyno of `type`, among those running and those being created. */
export function nextOneOffIndex(type: string, taken: Iterable<string>): number {
  const used = new Set<number>();
  const prefix = `${type}.`;
  for (const name of taken) if (name.startsWith(prefix)) used.add(Number(name.slice(prefix.length)));
  let index = 1;
  while (used.has(index)) index++;
  return index;
}

import type { DynoState, TimerHandle } from '@paas/core';
import type { DynoStatus } from './types.js';

/** A one-off dyno (`run.N`, `release.N`): one container, never restarted, removed once it exits. */
export interface OneOffRecord {
  /** Container id. */
  id: string;
  name: string;
  type: string;
  index: number;
  releaseId: string;
  releaseVersion: number;
  command: string;
  size: string;
  /** `starting` until the engine started it, `up` while it runs; it is forgotten once it exits. */
  state: DynoState;
  since: number;
  createdAt: number;
  /** Found running when the manager started: nobody is attached, and its app may be gone. */
  adopted: boolean;
  /** The manager is killing it (time to live, stop, app removed). */
  stopping: boolean;
  /** Kills it when its time to live runs out. */
  killTimer: TimerHandle | undefined;
}

export function oneOffStatus(rec: OneOffRecord): DynoStatus {
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
    backend: undefined,
    oneOff: true,
  };
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

import type { DynoState } from '@paas/core';
import type { AppSpec } from './types.js';

/** A dyno as the planner sees it. */
export interface PlannedDyno {
  id: string;
  name: string;
  type: string;
  index: number;
  releaseId: string;
  size: string;
  state: DynoState;
  /** The manager has decided to stop it (replaced by a deploy, or a stop that has to be retried). */
  retiring: boolean;
  /** For a crashed dyno: when it may be restarted. */
  restartAt: number | undefined;
  createdAt: number;
  /** When daily cycling replaces it, if ever. */
  cycleAt?: number | undefined;
  /** A replacement (cycling, resize) did not come up: the next try waits until then. */
  replaceAfter?: number | undefined;
}

export type StopReason = 'retired' | 'orphan' | 'extra' | 'resized' | 'duplicate';

export interface FormationPlan {
  /** Dynos to create; `replaces` is the crashed container a restart takes the place of. */
  start: { type: string; index: number; replaces: string | undefined }[];
  /** Containers to stop and remove, highest dyno index first. */
  stop: { id: string; name: string; index: number; reason: StopReason }[];
  /** Dynos that are up and due for daily cycling (container ids), earliest first. */
  cycle: string[];
  /** Dynos that are up with another size than the formation's: replaced with preboot (container ids). */
  resize: string[];
  /** The earliest time a crashed dyno becomes due for a restart, or an up one for cycling, if any. */
  wakeAt: number | undefined;
}

export interface PlanInput {
  releaseId: string;
  formation: AppSpec['formation'];
  dynos: readonly PlannedDyno[];
  /** Crash history by dyno name, for names whose crashed container is already gone. */
  crashes: ReadonlyMap<string, { releaseId: string; restartAt: number }>;
  now: number;
}

const PREFERENCE: Record<DynoState, number> = { up: 0, starting: 1, crashed: 2, down: 3 };

/**
 * The difference between the desired formation and the dynos that exist: which to start, which to stop.
 * Pure, so formation changes are tested without containers. When two containers claim one name, the
 * healthiest (then newest) is kept.
 */
export function planFormation(input: PlanInput): FormationPlan {
  const { formation, now } = input;
  const resized = (d: PlannedDyno) => {
    const size = formation[d.type]?.size;
    return size !== undefined && size.toLowerCase() !== d.size.toLowerCase();
  };
  const stop: FormationPlan['stop'] = [];
  const keep = new Map<string, PlannedDyno>();
  const ordered = [...input.dynos].sort((a, b) => PREFERENCE[a.state] - PREFERENCE[b.state] || b.createdAt - a.createdAt);
  for (const d of ordered) {
    const desired = formation[d.type];
    let reason: StopReason | undefined;
    if (d.retiring || d.state === 'down') reason = 'retired';
    else if (d.releaseId !== input.releaseId) reason = 'orphan';
    else if (!desired || d.index > desired.quantity) reason = 'extra';
    else if (keep.has(d.name)) reason = 'duplicate';
    // One that is up is replaced with preboot instead (below); a crashed one restarts at the new size anyway.
    else if (resized(d) && d.state === 'starting') reason = 'resized';
    if (reason) stop.push({ id: d.id, name: d.name, index: d.index, reason });
    else keep.set(d.name, d);
  }
  stop.sort((a, b) => b.index - a.index || a.name.localeCompare(b.name));

  const start: FormationPlan['start'] = [];
  const cycle: PlannedDyno[] = [];
  const resize: PlannedDyno[] = [];
  let wakeAt: number | undefined;
  const wakeBy = (at: number) => (wakeAt = wakeAt === undefined ? at : Math.min(wakeAt, at));
  for (const type of Object.keys(formation).sort()) {
    for (let index = 1; index <= (formation[type]?.quantity ?? 0); index++) {
      const name = `${type}.${index}`;
      const current = keep.get(name);
      if (current === undefined) {
        const crash = input.crashes.get(name);
        if (crash && crash.releaseId === input.releaseId && crash.restartAt > now) wakeBy(crash.restartAt);
        else start.push({ type, index, replaces: undefined });
      } else if (current.state === 'crashed') {
        const due = current.restartAt ?? now;
        if (due <= now) start.push({ type, index, replaces: current.id });
        else wakeBy(due);
      } else if (current.state === 'up' && (current.replaceAfter ?? now) > now) {
        wakeBy(current.replaceAfter!);
      } else if (current.state === 'up' && resized(current)) {
        resize.push(current);
      } else if (current.state === 'up' && current.cycleAt !== undefined) {
        // Only dynos that are up are cycled: a starting one is as new as its replacement would be.
        if (current.cycleAt <= now) cycle.push(current);
        else wakeBy(current.cycleAt);
      }
    }
  }
  cycle.sort((a, b) => (a.cycleAt ?? 0) - (b.cycleAt ?? 0));
  return { start, stop, cycle: cycle.map((d) => d.id), resize: resize.map((d) => d.id), wakeAt };
}

/** Every dyno name a spec asks for, type by type, `web.1` .. `web.N`. */
export function desiredDynos(spec: AppSpec): { type: string; index: number }[] {
  const out: { type: string; index: number }[] = [];
  for (const type of Object.keys(spec.formation).sort()) {
    for (let index = 1; index <= (spec.formation[type]?.quantity ?? 0); index++) out.push({ type, index });
  }
  return out;
}

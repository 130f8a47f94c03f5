import { describe, expect, it } from 'vitest';
import { planFormation, type PlannedDyno, type PlanInput } from './formation.js';

const NOW = 1_000_000;

function dyno(name: string, extra: Partial<PlannedDyno> = {}): PlannedDyno {
  const [type = '', index = '0'] = name.split('.');
  return {
    id: `c-${name}-${extra.releaseId ?? 'r2'}-${extra.createdAt ?? 0}`,
    name,
    type,
    index: Number(index),
    releaseId: 'r2',
    size: 'basic',
    state: 'up',
    retiring: false,
    restartAt: undefined,
    createdAt: 0,
    ...extra,
  };
}

function plan(dynos: PlannedDyno[], formation: PlanInput['formation'], crashes: PlanInput['crashes'] = new Map()) {
  return planFormation({ releaseId: 'r2', formation, dynos, crashes, now: NOW });
}

describe('planFormation', () => {
  it('starts every missing dyno of every type, web.1..N', () => {
    const p = plan([dyno('web.1')], { web: { quantity: 3, size: 'basic' }, worker: { quantity: 1, size: 'basic' } });
    expect(p.start).toEqual([
      { type: 'web', index: 2, replaces: undefined },
      { type: 'web', index: 3, replaces: undefined },
      { type: 'worker', index: 1, replaces: undefined },
    ]);
    expect(p.stop).toEqual([]);
  });

  it('scales down by stopping the highest indexes first, and types no longer in the formation', () => {
    const dynos = ['web.1', 'web.2', 'web.3', 'web.4', 'clock.1'].map((n) => dyno(n));
    const p = plan(dynos, { web: { quantity: 1, size: 'basic' } });
    expect(p.stop.map((s) => [s.name, s.reason])).toEqual([
      ['web.4', 'extra'],
      ['web.3', 'extra'],
      ['web.2', 'extra'],
      ['clock.1', 'extra'],
    ]);
    expect(p.start).toEqual([]);
  });

  it('stops dynos of another release (orphans) and starts their replacements', () => {
    const p = plan([dyno('web.1', { releaseId: 'r1' })], { web: { quantity: 1, size: 'basic' } });
    expect(p.stop).toEqual([{ id: 'c-web.1-r1-0', name: 'web.1', index: 1, reason: 'orphan' }]);
    expect(p.start).toEqual([{ type: 'web', index: 1, replaces: undefined }]);
  });

  it('keeps the healthiest, then newest, of two containers with one name', () => {
    const crashed = dyno('web.1', { state: 'crashed', createdAt: 5, restartAt: NOW + 1 });
    const older = dyno('web.1', { createdAt: 1 });
    const newer = dyno('web.1', { createdAt: 2 });
    const p = plan([crashed, older, newer], { web: { quantity: 1, size: 'basic' } });
    expect(p.stop.map((s) => s.id).sort()).toEqual([crashed.id, older.id].sort());
    expect(p.stop.every((s) => s.reason === 'duplicate')).toBe(true);
    expect(p.start).toEqual([]);
  });

  it('replaces dynos whose size changed (case-insensitively): with preboot when up, else at once', () => {
    const p = plan([dyno('web.1', { size: 'Standard-1X' }), dyno('web.2', { size: 'basic' }), dyno('web.3', { size: 'basic', state: 'starting' })], {
      web: { quantity: 3, size: 'standard-1x' },
    });
    expect(p.resize).toEqual([dyno('web.2').id]);
    expect(p.stop.map((s) => [s.name, s.reason])).toEqual([['web.3', 'resized']]);
    expect(p.start).toEqual([{ type: 'web', index: 3, replaces: undefined }]);
  });

  it('waits before replacing again a dyno whose replacement did not come up', () => {
    const p = plan([dyno('web.1', { size: 'eco', replaceAfter: NOW + 60_000 })], { web: { quantity: 1, size: 'basic' } });
    expect(p.resize).toEqual([]);
    expect(p.wakeAt).toBe(NOW + 60_000);
  });

  it('restarts a crashed dyno that is due, and waits for one that is not', () => {
    const due = dyno('web.1', { state: 'crashed', restartAt: NOW });
    const waiting = dyno('web.2', { state: 'crashed', restartAt: NOW + 5_000 });
    const p = plan([due, waiting], { web: { quantity: 2, size: 'basic' } });
    expect(p.start).toEqual([{ type: 'web', index: 1, replaces: due.id }]);
    expect(p.stop).toEqual([]);
    expect(p.wakeAt).toBe(NOW + 5_000);
  });

  it('waits out the backoff of a name whose crashed container is already gone', () => {
    const crashes = new Map([
      ['web.1', { releaseId: 'r2', restartAt: NOW + 10_000 }],
      ['web.2', { releaseId: 'r1', restartAt: NOW + 10_000 }],
    ]);
    const p = plan([], { web: { quantity: 2, size: 'basic' } }, crashes);
    // web.2's history belongs to another release, so it does not hold the new one back.
    expect(p.start).toEqual([{ type: 'web', index: 2, replaces: undefined }]);
    expect(p.wakeAt).toBe(NOW + 10_000);
  });

  it('stops retiring dynos even when they match the formation', () => {
    const p = plan([dyno('web.1', { retiring: true })], { web: { quantity: 1, size: 'basic' } });
    expect(p.stop.map((s) => s.reason)).toEqual(['retired']);
    expect(p.start).toEqual([{ type: 'web', index: 1, replaces: undefined }]);
  });
});

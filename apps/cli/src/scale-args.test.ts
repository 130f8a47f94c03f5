import { isPaasError, type Formation } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { describeFormation, parseResizeArgs, parseScaleArgs } from './scale-args.js';

const formation = (type: string, quantity: number, size = 'basic'): Formation => ({ type, quantity, size, command: '', updated_at: '' });

describe('parseScaleArgs', () => {
  it('reads absolute and relative changes, with an optional size', () => {
    const current = [formation('web', 2), formation('worker', 1)];
    expect(parseScaleArgs(['web=3', 'worker=1'], current)).toEqual([
      { type: 'web', quantity: 3 },
      { type: 'worker', quantity: 1 },
    ]);
    expect(parseScaleArgs(['web+1', 'worker-1'], current)).toEqual([
      { type: 'web', quantity: 3 },
      { type: 'worker', quantity: 0 },
    ]);
    expect(parseScaleArgs(['web=2:standard-2x'], current)).toEqual([{ type: 'web', quantity: 2, size: 'standard-2x' }]);
    expect(parseScaleArgs(['clock+2'], current)).toEqual([{ type: 'clock', quantity: 2 }]);
  });

  it('refuses what it cannot read, a type given twice, and going below zero', () => {
    for (const args of [['web'], ['web=x'], ['web=1', 'web=2'], ['worker-2'], ['web=1:'], ['we b=1']]) {
      let err: unknown;
      try {
        parseScaleArgs(args, [formation('worker', 1)]);
      } catch (e) {
        err = e;
      }
      expect(isPaasError(err, 'invalid_params')).toBe(true);
    }
  });
});

describe('parseResizeArgs and describeFormation', () => {
  it('reads TYPE=SIZE and words a formation as Heroku does', () => {
    expect(parseResizeArgs(['web=standard-2x'])).toEqual([{ type: 'web', size: 'standard-2x' }]);
    expect(describeFormation([formation('web', 3, 'standard-2x'), formation('worker', 0), formation('clock', 1)])).toBe(
      'web at 3:Standard-2X, clock at 1:Basic',
    );
    expect(describeFormation([formation('web', 0)])).toBe('no dynos');
  });
});

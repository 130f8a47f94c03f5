import type { DynoState } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { nextDynoState, type DynoTransition } from './dyno-state.js';

describe('nextDynoState', () => {
  const table: [DynoState, DynoTransition, DynoState][] = [
    ['starting', 'booted', 'up'],
    ['starting', 'exited', 'crashed'],
    ['starting', 'stopped', 'down'],
    ['up', 'booted', 'up'],
    ['up', 'exited', 'crashed'],
    ['up', 'stopped', 'down'],
    ['crashed', 'booted', 'crashed'],
    ['crashed', 'exited', 'crashed'],
    ['crashed', 'stopped', 'down'],
    ['down', 'booted', 'down'],
    ['down', 'exited', 'down'],
    ['down', 'stopped', 'down'],
  ];
  it.each(table)('%s --%s--> %s', (from, event, to) => {
    expect(nextDynoState(from, event)).toBe(to);
  });
});

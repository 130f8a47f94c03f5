import { FakeClock } from '@paas/core/testing';
import { describe, expect, it } from 'vitest';
import { RateBudget, overflowMessage } from './rate-budget.js';

describe('RateBudget', () => {
  it('lets a burst through, then the rate, and drops the rest', () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 29, 18));
    const reports: string[] = [];
    const budget = new RateBudget({ linesPerSecond: 10, burst: 20, reportIntervalMs: 1000 }, clock, (k, m) => reports.push(`${k} ${m}`));
    let passed = 0;
    for (let i = 0; i < 100; i++) if (budget.take('a')) passed++;
    expect(passed).toBe(20);
    clock.advance(500); // the report is due after 1 s
    expect(reports).toEqual([]);
    for (let i = 0; i < 100; i++) if (budget.take('a')) passed++;
    expect(passed).toBe(25); // 0.5 s at 10 lines/s
    clock.advance(500);
    expect(reports).toEqual([`a ${overflowMessage(175, Date.UTC(2026, 10, 29, 18))}`]);
    expect(reports[0]).toContain('Error L10 (output buffer overflow): 175 messages dropped since 2026-11-29T18:00:00.000000+00:00.');
  });

  it('keeps keys apart and reports nothing when nothing was dropped', () => {
    const clock = new FakeClock();
    const reports: string[] = [];
    const budget = new RateBudget({ linesPerSecond: 1, burst: 1, reportIntervalMs: 1000 }, clock, (k) => reports.push(k));
    expect([budget.take('a'), budget.take('b'), budget.take('a')]).toEqual([true, true, false]);
    clock.advance(5000);
    expect(reports).toEqual(['a']);
    expect(budget.take('a')).toBe(true);
    clock.advance(5000);
    expect(reports).toEqual(['a']);
  });

  it('forgets a key without reporting its pending drops', () => {
    const clock = new FakeClock();
    const reports: string[] = [];
    const budget = new RateBudget({ linesPerSecond: 1, burst: 1, reportIntervalMs: 1000 }, clock, (k) => reports.push(k));
    budget.take('a');
    budget.take('a');
    budget.forget('a');
    clock.advance(2000);
    expect(reports).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });
});

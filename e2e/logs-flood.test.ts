import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine } from '@paas/core';
import { percentile } from './bench/stats.js';
import { appName, copyFixture } from './support/apps.js';
import { CliProcess } from './support/cli-process.js';
import { until } from './support/http.js';
import { Platform } from './support/platform.js';

const FLOOD_SECONDS = 10;
const FLOOD_RATE = 20_000;

/** Resident memory of a process, in bytes, from /proc. */
function rss(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe('an app flooding its log', () => {
  const platform = new Platform();
  const flood = appName('e2e-flood');
  const quiet = appName('e2e-quiet');
  const dirs = [copyFixture('log-ticker'), copyFixture('log-ticker')];

  beforeAll(async () => {
    await platform.start();
    for (const [i, app] of [flood, quiet].entries()) {
      await platform.paasOk(['apps:create', app, '--no-link']);
      await platform.paasOk(['push', dirs[i]!, '-a', app]);
    }
  });

  afterAll(async () => {
    for (const app of [flood, quiet]) await platform.paas(['apps:destroy', app, '--confirm', app]);
    await platform.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const json = async (app: string, args: string[]) =>
    (await platform.paasOk(['logs', '-a', app, '--json', ...args])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);

  it(`(${FLOOD_RATE} lines/s for ${FLOOD_SECONDS} s) slows no other app, keeps the control plane's memory bounded, and reports what it dropped (L10)`, async () => {
    const pid = platform.paasdPid!;
    const baseline = rss(pid);
    const mark = randomBytes(3).toString('hex');
    // The buffer keeps only the last 1500 lines, so the L10 reports are collected as they come.
    const overflowTail = new CliProcess(platform, ['logs', '--tail', '--json', '-a', flood, '--dyno', 'logplex', '-n', '1']);
    await new Promise((r) => setTimeout(r, 500));
    await platform.request(quiet, `/say/before-${mark}`);
    expect((await platform.request(flood, `/flood?seconds=${FLOOD_SECONDS}&rate=${FLOOD_RATE}`)).body).toBe('flooding');

    // Meanwhile: the other app's requests, timed, and the control plane's memory, sampled.
    const latencies: number[] = [];
    const failures: string[] = [];
    let peak = baseline;
    const end = Date.now() + (FLOOD_SECONDS + 2) * 1000;
    while (Date.now() < end) {
      const start = performance.now();
      const res = await platform.request(quiet).catch((err: Error) => ({ status: 0, body: err.message }));
      latencies.push(performance.now() - start);
      if (res.status !== 200 || res.body !== 'ticker') failures.push(`${res.status} ${res.body}`);
      peak = Math.max(peak, rss(pid));
      await new Promise((r) => setTimeout(r, 50));
    }
    await platform.request(quiet, `/say/after-${mark}`);

    const endLine = await until('the flood to end', () => json(flood, ['--source', 'app', '-n', '50']), (ls) => ls.some((l) => l.message.startsWith('flood-end')), 60_000);
    const produced = Number(/produced=(\d+)/.exec(endLine.find((l) => l.message.startsWith('flood-end'))!.message)![1]);
    await overflowTail.stop();
    const overflow = overflowTail.lines().map((l) => (JSON.parse(l) as LogLine).message);
    const dropped = overflow.reduce((sum, m) => sum + Number(/^Error L10 \(output buffer overflow\): (\d+) messages dropped since \S+\.$/.exec(m)?.[1] ?? NaN), 0);

    const quietLines = await json(quiet, ['--source', 'app', '-n', '1500']);
    const from = quietLines.findIndex((l) => l.message === `before-${mark}`);
    const to = quietLines.findIndex((l) => l.message === `after-${mark}`);
    const ticks = quietLines.slice(from, to).map((l) => Number(/^tick (\d+)$/.exec(l.message)?.[1] ?? NaN)).filter(Number.isFinite);

    const report = { produced, dropped, l10Lines: overflow.length, peakMb: Math.round(peak / 2 ** 20), baselineMb: Math.round(baseline / 2 ** 20), p50: percentile(latencies, 50), p99: percentile(latencies, 99), ticks: ticks.length };
    console.log(`flood: ${JSON.stringify(report)}`);
    expect(produced).toBeGreaterThanOrEqual(FLOOD_RATE * FLOOD_SECONDS * 0.5); // well over 10,000 lines/s
    // Every line over the budget (1000/s, 2000 at once) is counted; what is not counted was kept.
    expect(dropped).toBeGreaterThan(produced - (FLOOD_SECONDS + 4) * 1000 - 2000);
    expect(dropped).toBeLessThan(produced);
    expect(failures).toEqual([]);
    expect(report.p99).toBeLessThan(1000);
    // The quiet app's lines all arrived: one tick every 200 ms, none missing.
    expect(from).toBeGreaterThanOrEqual(0);
    expect(to).toBeGreaterThan(from);
    expect(ticks.length).toBeGreaterThanOrEqual((FLOOD_SECONDS + 1) * 4);
    expect(ticks).toEqual(ticks.map((_, i) => ticks[0]! + i));
    expect(peak - baseline).toBeLessThan(80 * 2 ** 20);
  });
});

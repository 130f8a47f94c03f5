// pnpm bench:logs — lines per second from a dyno to a `paas logs --tail` client, and the latency a line
// gains between its write in the dyno and its arrival at the client (median, p99).
//
// The dyno (e2e/fixtures/log-ticker, `/bench`) writes `bench N T` lines, T being the time of the write;
// the client is the real CLI (`paas logs --tail --json`), read by this script as it prints. Dyno and
// client share the host's clock. Two runs: latency at 1000 lines/s (within the default per-app budget),
// and throughput at BENCH_RATE (default 50,000 lines/s) with the budget lifted, so the pipeline (Docker's
// log API, collector, buffer and disk, HTTP stream, CLI) is what is measured.
//
// Environment: BENCH_RATE (lines/s of the throughput run), BENCH_SECONDS (per run, default 5).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { LogLine } from '@paas/core';
import { REPO_ROOT } from '../support/paths.js';
import { Platform } from '../support/platform.js';
import { runBench } from './bench-app.js';
import { percentile } from './stats.js';

const RATE = Number(process.env.BENCH_RATE ?? 50_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

interface Run {
  produced: number;
  received: number;
  gaps: number;
  /** Lines per second at the client, from the first bench line to the last. */
  rate: number;
  latencies: number[];
}

async function run(platform: Platform, app: string, rate: number, seconds: number): Promise<Run> {
  const client = spawn(process.execPath, [join(REPO_ROOT, 'apps/cli/dist/main.js'), 'logs', '--tail', '--json', '-a', app, '--source', 'app', '-n', '1'], {
    env: platform.env(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const latencies: number[] = [];
  let received = 0;
  let gaps = 0;
  let first = 0;
  let last = 0;
  let produced = -1;
  let pending = '';
  let ready!: () => void;
  const connected = new Promise<void>((resolve) => (ready = resolve));
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  client.stdout.setEncoding('utf8');
  client.stdout.on('data', (chunk: string) => {
    const now = performance.timeOrigin + performance.now();
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const text of lines) {
      const record = JSON.parse(text) as LogLine | { dropped: number };
      ready();
      if (!('seq' in record)) {
        gaps += record.dropped;
        continue;
      }
      const bench = /^bench (\d+) ([\d.]+)$/.exec(record.message);
      if (bench) {
        received++;
        latencies.push(now - Number(bench[2]));
        if (first === 0) first = now;
        last = now;
      }
      const end = /^flood-end produced=(\d+)$/.exec(record.message);
      if (end) {
        produced = Number(end[1]);
        finished();
      }
    }
  });
  await connected; // the tail printed its first line: it is streaming
  await platform.request(app, `/bench?seconds=${seconds}&rate=${rate}`);
  await Promise.race([done, new Promise((r) => setTimeout(r, (seconds + 60) * 1000))]);
  client.kill('SIGINT');
  return { produced, received, gaps, rate: received / ((last - first) / 1000), latencies };
}

// The budget is lifted for the throughput run; the latency run stays within the default one anyway.
const platform = new Platform({ PAAS_LOG_RATE: '1000000', PAAS_LOG_LINES: '1500' });
runBench(platform, 'log-ticker', 'bench-logs', async (app) => {
  const latency = await run(platform, app, 1000, SECONDS);
  const throughput = await run(platform, app, RATE, SECONDS);
  const fmt = (v: number) => `${v.toFixed(1)} ms`;
  console.log(`\nlogs: dyno → paas logs --tail (${SECONDS} s per run)`);
  console.log(`latency run (1000 lines/s): ${latency.received}/${latency.produced} lines, added latency median ${fmt(percentile(latency.latencies, 50))}, p99 ${fmt(percentile(latency.latencies, 99))}`);
  console.log(
    `throughput run (${RATE} lines/s written): ${throughput.received}/${throughput.produced} lines at the client, ${Math.round(throughput.rate)} lines/s, ` +
      `${throughput.gaps} reported missed (client too slow), latency median ${fmt(percentile(throughput.latencies, 50))}, p99 ${fmt(percentile(throughput.latencies, 99))}`,
  );
});

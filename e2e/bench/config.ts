// pnpm bench:config — time from `paas config:set` to the new value being served through the router, and
// from `paas rollback` to the old code being served. Medians over several runs. Target: under 2 s each.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Platform } from '../support/platform.js';
import { runBench } from './bench-app.js';
import { median, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

async function timeUntilServed(platform: Platform, app: string, path: string, expected: string, command: string[]): Promise<number> {
  const start = performance.now();
  const running = platform.paasOk(command);
  for (;;) {
    const res = await platform.request(app, path).catch(() => undefined);
    if (res?.body === expected) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const elapsed = performance.now() - start;
  await running;
  return elapsed;
}

const platform = new Platform();
runBench(platform, 'node-basic', 'bench-config', async (app, dir) => {
  // runBench's push made v1 (code v1).
  writeFileSync(join(dir, 'version.json'), '{ "v": 2 }');
  await platform.paasOk(['push'], { cwd: dir }); // v2: code v2
  const configSet: number[] = [];
  const rollback: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    configSet.push(await timeUntilServed(platform, app, '/env/BENCH', `run-${i}`, ['config:set', '-a', app, `BENCH=run-${i}`]));
    // Alternate between the two code versions: roll back to v1's code, then forward to v2's.
    const target = i % 2 === 0 ? { release: 'v1', body: 'node-basic v1' } : { release: 'v2', body: 'node-basic v2' };
    rollback.push(await timeUntilServed(platform, app, '/', target.body, ['rollback', '-a', app, target.release]));
  }
  printTable('config changes and rollbacks — ms', [
    ['config:set → new value served', configSet],
    ['rollback → old code served', rollback],
  ]);
  console.log(`\nmedians: config:set ${median(configSet).toFixed(0)} ms, rollback ${median(rollback).toFixed(0)} ms over ${RUNS} runs (target < 2000 ms each)`);
});

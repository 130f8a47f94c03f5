// pnpm bench:deploy — time from `paas push` of the dependency-free Node app to its first correct
// response through the router, warm (stack image present, not the app's first push). Prints the median.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Platform } from '../support/platform.js';
import { runBench } from './bench-app.js';
import { median, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

const platform = new Platform();
runBench(platform, 'node-basic', 'bench-deploy', async (app, dir) => {
  const pushToServed: number[] = [];
  const pushExit: number[] = [];
  for (let i = 2; i < RUNS + 2; i++) {
    writeFileSync(join(dir, 'version.json'), JSON.stringify({ v: i }));
    const start = performance.now();
    const pushing = platform.paasOk(['push'], { cwd: dir }).then(() => performance.now() - start);
    // First correct response: poll the router every 10 ms.
    for (;;) {
      const res = await platform.request(app).catch(() => undefined);
      if (res?.body === `node-basic v${i}`) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    pushToServed.push(performance.now() - start);
    pushExit.push(await pushing);
  }
  printTable('paas push (no-dependency Node app, warm) — ms', [
    ['push → first new response', pushToServed],
    ['push → CLI exit 0', pushExit],
  ]);
  console.log(`\nmedian push → served: ${median(pushToServed).toFixed(0)} ms over ${RUNS} runs (target < 5000 ms)`);
});

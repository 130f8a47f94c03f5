// pnpm bench:dynos — dyno start (container created → accepting on $PORT), crash → replacement serving,
// scale-up of 10 web dynos, and `paas run` round trip, on a real engine. Prints medians.
import { execFileSync } from 'node:child_process';
import { dockerDynos } from '../support/apps.js';
import { Platform } from '../support/platform.js';
import { runBench } from './bench-app.js';
import { median, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SCALE_RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 3);

interface DynoJson {
  id: string;
  name: string;
  type: string;
  state: string;
  updated_at: string;
}

// A dyno up for a second counts as a clean start, so every kill below is a first crash (restarted at once).
const platform = new Platform({ PAAS_DYNO_BACKOFF_RESET_MS: '1000' });
runBench(platform, 'dynos', 'bench-dynos', async (app) => {
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${platform.apiUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${platform.token}`, 'content-type': 'application/json', ...init.headers },
    });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const dynos = () => api(`/apps/${app}/dynos`) as Promise<DynoJson[]>;
  const scale = (quantity: number) => api(`/apps/${app}/formation`, { method: 'PATCH', body: JSON.stringify({ updates: [{ type: 'web', quantity }] }) });
  const poll = async <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const upWeb = async (name: string, notId?: string) => (await dynos()).find((d) => d.name === name && d.state === 'up' && d.id !== notId);

  await poll(() => upWeb('web.1'), 'web.1');

  // Dyno start: the engine's creation time of the container to the manager seeing it accept on $PORT.
  const start: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await scale(2);
    const dyno = await poll(() => upWeb('web.2'), 'web.2');
    const created = Date.parse(execFileSync('docker', ['inspect', '-f', '{{.Created}}', dyno.id]).toString().trim());
    start.push(Date.parse(dyno.updated_at) - created);
    await scale(1);
  }

  // Crash to replacement: `docker kill` of web.1 to the router answering from its replacement.
  const replaced: number[] = [];
  const replacedUp: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const old = await poll(() => upWeb('web.1'), 'web.1');
    await new Promise((r) => setTimeout(r, 1_100));
    const killedAt = performance.now();
    execFileSync('docker', ['kill', old.id]);
    const fresh = await poll(() => upWeb('web.1', old.id), 'a new web.1');
    replacedUp.push(performance.now() - killedAt);
    await poll(async () => {
      const res = await platform.request(app).catch(() => undefined);
      return res?.body === `web.1 ${fresh.id.slice(0, 12)}` ? true : undefined;
    }, 'the router to serve the replacement');
    replaced.push(performance.now() - killedAt);
  }

  // Scale-up of 10 web dynos: the request to all ten up (accepting, routed).
  const scaleUp: number[] = [];
  for (let i = 0; i < SCALE_RUNS; i++) {
    await scale(0);
    const sent = performance.now();
    await scale(10);
    await poll(async () => ((await dynos()).filter((d) => d.type === 'web' && d.state === 'up').length === 10 ? true : undefined), 'ten web dynos', 60_000);
    scaleUp.push(performance.now() - sent);
  }
  await scale(1);

  // `paas run echo hi` through the CLI: create, attach, run, exit, removal.
  const run: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await platform.paasOk(['run', '-a', app, 'echo', 'hi']);
    run.push(performance.now() - t);
  }

  printTable('dynos (node web process, basic size) — ms', [
    ['dyno start: container created → accepting on $PORT', start],
    ['docker kill → replacement up', replacedUp],
    ['docker kill → router serves the replacement', replaced],
    ['scale-up web=0 → 10, all up', scaleUp],
    ['paas run echo hi (CLI round trip)', run],
  ]);
  console.log(`\nmedian dyno start ${median(start).toFixed(0)} ms (target < 1000), replacement ${median(replaced).toFixed(0)} ms (target < 1500)`);
  console.log(`containers left: ${dockerDynos(app).length} (web.1)`);
});

// pnpm bench:router — the router against nginx and against the backend directly, on loopback, with
// the same backend and one worker each. Interleaved rounds of wrk; medians are printed.
//
// Setup (2 cores): wrk runs pinned to core 0; the proxy under test and the backend share core 1, so a
// proxy's cost shows as throughput lost on that core. The backend is a tiny fixed-response server
// (raw `net`, a few µs a request) so that the proxies, not the backend, are the bottleneck. The router
// is the real program (`apps/router/dist/main.js`) with its saved route table, talking to a stub
// control plane that accepts its reports (access lines and metrics are shipped as in production).
// nginx is a plain reverse proxy: one worker, upstream keep-alive, X-Forwarded-* headers, access log
// buffered to a file.
//
// Environment: BENCH_ROUNDS (default 5), BENCH_SECONDS (per run, default 3), BENCH_CONNECTIONS (50),
// BENCH_CPU_PROF (a directory: the router writes a V8 CPU profile there when it stops), BENCH_TARGETS
// (e.g. `router` to profile the router alone; default `direct,router,nginx`).
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/paths.js';
import { median } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const HOST = 'bench.localhost';
const CPU_PROF = process.env.BENCH_CPU_PROF;

/** The backend: answers every request head it sees with a fixed response (GETs only, no bodies). */
const BACKEND_SOURCE = `
const net = require('node:net');
const body = 'Hello, world\\n';
const reply = Buffer.from('HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: ' + body.length + '\\r\\n\\r\\n' + body);
const replies = [reply];
const CRLF2 = Buffer.from('\\r\\n\\r\\n');
const server = net.createServer({ noDelay: true }, (s) => {
  let tail = Buffer.alloc(0);
  s.on('error', () => {});
  s.on('data', (chunk) => {
    const buf = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
    let n = 0;
    let at = buf.indexOf(CRLF2);
    let end = 0;
    while (at !== -1) { n++; end = at + 4; at = buf.indexOf(CRLF2, end); }
    tail = Buffer.from(buf.subarray(Math.max(end, buf.length - 3)));
    if (n === 0) return;
    while (replies.length < n) replies.push(Buffer.concat([replies[replies.length - 1], reply]));
    s.write(n === 1 ? reply : replies[n - 1]);
  });
});
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
`;

interface Run {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  /** CPU time of the proxy's processes per request, in µs (less sensitive to other load than req/s). */
  cpuUs: number;
  /** The user-space and kernel parts of `cpuUs`. */
  userUs: number;
  sysUs: number;
}

async function main(): Promise<void> {
  if (cpus().length < 2) console.warn('warning: fewer than 2 cores; pinning is skipped and numbers mean less');
  ensureTool('wrk', 'wrk');
  ensureTool('nginx', 'nginx-light');
  console.log('building the router...');
  execFileSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-b', 'apps/router'], { cwd: REPO_ROOT, stdio: 'inherit' });

  const work = mkdtempSync(join(tmpdir(), 'paas-bench-router-'));
  const children: ChildProcess[] = [];
  try {
    const backend = await startBackend(children);
    const stub = await startStubControlPlane(backend, children);
    const routerPort = await startRouter(work, stub.port, children);
    const nginxPort = await startNginx(work, backend, children);
    const targets = { direct: backend, router: routerPort, nginx: nginxPort } as const;
    const pids = { direct: children[0]!.pid!, router: children[2]!.pid!, nginx: children[3]!.pid! };
    type Target = keyof typeof targets;
    const names = (process.env.BENCH_TARGETS ?? 'direct,router,nginx').split(',').filter((n): n is Target => n in targets);

    for (const name of names) {
      const check = await probe(targets[name]);
      if (!check.startsWith('HTTP/1.1 200')) throw new Error(`${name} does not answer 200: ${check.slice(0, 200)}`);
      await wrk(targets[name], pids[name], CONNECTIONS, 1); // warm-up (JIT, pools)
    }

    const many: Record<Target, Run[]> = { direct: [], router: [], nginx: [] };
    const one: Record<Target, Run[]> = { direct: [], router: [], nginx: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so that no target always runs first or last.
      const order = names.map((_, i) => names[(i + round) % names.length]!);
      for (const name of order) many[name].push(await wrk(targets[name], pids[name], CONNECTIONS, SECONDS));
      for (const name of order) one[name].push(await wrk(targets[name], pids[name], 1, Math.max(2, SECONDS - 1)));
      process.stdout.write(`round ${round + 1}/${ROUNDS} done\n`);
    }

    const m = (runs: Run[], key: keyof Run) => median(runs.map((r) => r[key]));
    const errors = names.flatMap((n) => [...many[n], ...one[n]].filter((r) => r.errors > 0).map(() => n));
    console.log(`\nRouter benchmark: ${ROUNDS} interleaved rounds, ${SECONDS} s runs, wrk -t1 on core 0, proxy + backend on core 1`);
    console.log(`\n${CONNECTIONS} keep-alive connections`);
    console.log('target  |   req/s | p50 ms | p99 ms | CPU µs/req (user + sys) of the proxy; of the backend for direct');
    for (const n of names) {
      console.log(
        `${n.padEnd(7)} | ${m(many[n], 'rps').toFixed(0).padStart(7)} | ${m(many[n], 'p50').toFixed(2).padStart(6)} | ${m(many[n], 'p99').toFixed(2).padStart(6)} | ${m(many[n], 'cpuUs').toFixed(1).padStart(6)} (${m(many[n], 'userUs').toFixed(1)} + ${m(many[n], 'sysUs').toFixed(1)})`,
      );
    }
    console.log(`router/nginx  req/s ratio: ${(m(many.router, 'rps') / m(many.nginx, 'rps')).toFixed(2)} (target >= 0.70)`);
    console.log(`router/direct req/s ratio: ${(m(many.router, 'rps') / m(many.direct, 'rps')).toFixed(2)}`);
    console.log(`nginx/direct  req/s ratio: ${(m(many.nginx, 'rps') / m(many.direct, 'rps')).toFixed(2)}`);
    console.log('\n1 connection');
    console.log('target  |   req/s | p50 ms | p90 ms | p99 ms | added p50 / p90 / p99 ms');
    for (const n of names) {
      const added = (k: keyof Run) => (m(one[n], k) - m(one.direct, k)).toFixed(3);
      console.log(
        `${n.padEnd(7)} | ${m(one[n], 'rps').toFixed(0).padStart(7)} | ${m(one[n], 'p50').toFixed(3).padStart(6)} | ${m(one[n], 'p90').toFixed(3).padStart(6)} | ${m(one[n], 'p99').toFixed(3).padStart(6)} | ${n === 'direct' ? '' : `${added('p50')} / ${added('p90')} / ${added('p99')}`}`,
      );
    }
    console.log(`router added p99 at 1 connection: ${(m(one.router, 'p99') - m(one.direct, 'p99')).toFixed(3)} ms (target < 0.5)`);
    const received = await stub.stats();
    console.log(`reports received by the stub control plane: ${received.reports} (${received.lines} access lines, ${received.dropped} dropped)`);
    if (errors.length > 0) {
      console.error(`\nrequests failed or answered non-2xx in runs against: ${[...new Set(errors)].join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    // SIGTERM: nginx's master then stops its worker, and the router writes its profile.
    await Promise.all(children.map((c) => stop(c)));
    rmSync(work, { recursive: true, force: true });
  }
}

/** Installs a missing tool from apt (idempotent), or stops with a clear message. */
function ensureTool(command: string, aptPackage: string): void {
  if (spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0) return;
  console.log(`${command} is missing: installing ${aptPackage} with apt-get...`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const run = (args: string[]) => spawnSync(sudo[0] ?? args[0]!, [...sudo.slice(1), ...(sudo.length > 0 ? args : args.slice(1))], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  run(['apt-get', 'update', '-q']);
  const res = run(['apt-get', 'install', '-y', '-q', aptPackage]);
  if (res.status !== 0 || spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`${command} is required: install it with \`apt-get install -y ${aptPackage}\` (as root) and run again.`);
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Raised priority (as root) so that other load on the machine disturbs the measured processes less. */
const NICE = process.getuid?.() === 0 ? ['nice', '-n', '-10'] : [];

/** The command pinned to one core (when there are two) at the benchmark's priority. */
function pinned(core: number, command: string, args: string[]): [string, string[]] {
  const argv = [...NICE, ...(cpus().length >= 2 ? ['taskset', '-c', String(core)] : []), command, ...args];
  return [argv[0]!, argv.slice(1)];
}

async function startBackend(children: ChildProcess[]): Promise<number> {
  const [cmd, args] = pinned(1, process.execPath, ['-e', BACKEND_SOURCE]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return await new Promise<number>((resolve, reject) => {
    child.once('message', (port) => resolve(port as number));
    child.once('exit', (code) => reject(new Error(`backend exited with ${code}`)));
  });
}

/**
 * The stub control plane, in its own process on the load generator's core (at idle priority, below
 * wrk's): serves the route table once, holds later polls, and takes reports, counting their lines
 * without parsing them (parsing megabytes a second here would disturb the measured processes).
 */
const STUB_SOURCE = `
const http = require('node:http');
const table = JSON.parse(process.env.BENCH_TABLE);
const MARK = Buffer.from('{"app":');
const stats = { reports: 0, lines: 0, dropped: 0 };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://stub');
  if (req.method === 'GET' && url.pathname === '/router/table') {
    if (Number(url.searchParams.get('since')) < table.version) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(table));
    const timer = setTimeout(() => res.writeHead(304).end(), Number(url.searchParams.get('wait') || 25) * 1000);
    return void res.on('close', () => clearTimeout(timer));
  }
  if (req.method === 'POST' && url.pathname === '/router/reports') {
    // Marks split across chunks are found in the 12 bytes around each boundary.
    let edge = Buffer.alloc(0);
    let tail = Buffer.alloc(0);
    req.on('data', (chunk) => {
      stats.lines += countIn(Buffer.concat([edge, chunk.subarray(0, MARK.length - 1)])) + countIn(chunk);
      edge = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (MARK.length - 1))));
      const both = Buffer.concat([tail, chunk]);
      tail = Buffer.from(both.subarray(Math.max(0, both.length - 200)));
    });
    req.on('end', () => {
      stats.reports++;
      stats.dropped += Number(/"dropped":(\\d+)/.exec(tail.toString('latin1'))?.[1] ?? 0);
      res.writeHead(204).end();
    });
    return;
  }
  res.writeHead(404).end();
});
function countIn(buf) { let n = 0; for (let i = buf.indexOf(MARK); i !== -1; i = buf.indexOf(MARK, i + 1)) n++; return n; }
process.on('message', () => process.send(stats));
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
`;

async function startStubControlPlane(backendPort: number, children: ChildProcess[]) {
  const table = {
    version: Date.now(),
    apps: [{ app: 'bench', hosts: [HOST], state: 'up', backends: [{ dyno: 'web.1', host: '127.0.0.1', port: backendPort }] }],
  };
  // SCHED_IDLE: it runs when wrk leaves the core idle, so it does not delay what wrk measures.
  const argv = [...(spawnSync('sh', ['-c', 'command -v chrt'], { stdio: 'ignore' }).status === 0 ? ['chrt', '-i', '0'] : []), ...(cpus().length >= 2 ? ['taskset', '-c', '0'] : []), process.execPath, '-e', STUB_SOURCE];
  const [cmd, args] = [argv[0]!, argv.slice(1)];
  const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, BENCH_TABLE: JSON.stringify(table) } });
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`stub control plane exited with ${code}`)));
  });
  const stats = () =>
    new Promise<{ reports: number; lines: number; dropped: number }>((resolve) => {
      child.once('message', (m) => resolve(m as { reports: number; lines: number; dropped: number }));
      child.send('stats');
    });
  return { port, stats };
}

async function startRouter(work: string, apiPort: number, children: ChildProcess[]): Promise<number> {
  const port = await freePort();
  const dataDir = join(work, 'router-data');
  mkdirSync(dataDir, { recursive: true });
  const profile = CPU_PROF === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`];
  const [cmd, args] = pinned(1, process.execPath, [...profile, join(REPO_ROOT, 'apps/router/dist/main.js')]);
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PAAS_ROUTER_PORT: String(port),
      PAAS_ROUTER_HOST: '127.0.0.1',
      PAAS_API_URL: `http://127.0.0.1:${apiPort}`,
      PAAS_API_TOKEN: 'bench',
      PAAS_DATA_DIR: dataDir,
    },
  });
  children.push(child);
  await until(async () => (await probe(port)).startsWith('HTTP/1.1 200'), 'the router to serve the bench app');
  return port;
}

async function startNginx(work: string, backendPort: number, children: ChildProcess[]): Promise<number> {
  const port = await freePort();
  const dir = join(work, 'nginx');
  mkdirSync(dir, { recursive: true });
  const conf = `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log ${dir}/access.log combined buffer=64k flush=1s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  upstream backend {
    server 127.0.0.1:${backendPort};
    keepalive 128;
  }
  server {
    listen 127.0.0.1:${port} reuseport;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_set_header X-Request-Id $request_id;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const [cmd, args] = pinned(1, 'nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;']);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  await until(async () => (await probe(port)).startsWith('HTTP/1.1 200'), 'nginx to answer');
  return port;
}

/**
 * Runs wrk (asynchronously: the stub control plane in this process keeps answering) against `port`,
 * measuring the CPU time of process `pid` and its descendants meanwhile; latencies in ms.
 */
async function wrk(port: number, pid: number, connections: number, seconds: number): Promise<Run> {
  const [cmd, args] = pinned(0, 'wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-H', `Host: ${HOST}`, `http://127.0.0.1:${port}/`]);
  const cpuBefore = cpuTicks(pid);
  const { stdout: out } = await promisify(execFile)(cmd, args, { encoding: 'utf8' });
  const cpuAfter = cpuTicks(pid);
  // Clock ticks are 10 ms on Linux (USER_HZ 100).
  const userMs = (cpuAfter.user - cpuBefore.user) * 10;
  const sysMs = (cpuAfter.sys - cpuBefore.sys) * 10;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const latency = (p: string) => toMs(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out));
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  if (!Number.isFinite(rps)) throw new Error(`cannot read wrk's output:\n${out}`);
  const perRequest = (ms: number) => (ms * 1000) / requests;
  return { rps, p50: latency('50'), p90: latency('90'), p99: latency('99'), errors, cpuUs: perRequest(userMs + sysMs), userUs: perRequest(userMs), sysUs: perRequest(sysMs) };
}

/**
 * User and system CPU time, in clock ticks, of a process and all its descendants (nginx's workers, a
 * router's cluster workers), from /proc. Each process counts with the children it has reaped, so a
 * descendant that exits between two readings still counts once.
 */
function cpuTicks(pid: number): { user: number; sys: number } {
  const total = { user: 0, sys: 0 };
  const visit = (p: number): boolean => {
    let fields: string[];
    try {
      fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
    } catch {
      return false; // exited meanwhile
    }
    // utime, stime, cutime, cstime (fields 14 to 17 of stat).
    total.user += Number(fields[11]) + Number(fields[13]);
    total.sys += Number(fields[12]) + Number(fields[14]);
    for (const child of childrenOf(p)) visit(child);
    return true;
  };
  return visit(pid) ? total : { user: NaN, sys: NaN };
}

/** The child processes of a process: those of each of its threads. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const task of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/)) if (c !== '') out.push(Number(c));
    } catch {
      // the thread exited meanwhile
    }
  }
  return out;
}

function toMs(m: RegExpExecArray | null): number {
  if (m === null) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

/** One request on a fresh connection; the response head as text ('' when there is none). */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    s.setEncoding('latin1');
    s.setTimeout(2000, () => s.destroy());
    s.on('data', (d: string) => {
      text += d;
      if (text.includes('\r\n\r\n')) s.destroy();
    });
    s.on('error', () => resolve(''));
    s.on('close', () => resolve(text));
    s.write(`GET / HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`);
  });
}

async function until(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

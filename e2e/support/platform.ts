import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get, until } from './http.js';
import { REPO_ROOT } from './paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RouterHealth {
  status: string;
  workers: number;
  generation: number;
  reloading: boolean;
  reloads: number;
  pids: number[];
  /** The primary's process id. */
  pid: number;
}

/** A whole platform for one test file: paasd and the router as real processes, and the real CLI. */
export class Platform {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'paas-e2e-'));
  readonly configDir = join(this.dataDir, 'cli-config');
  readonly token = randomBytes(16).toString('hex');
  /** Dynos carry this, so test platforms never touch each other's (or a real platform's) dynos. */
  readonly platformId = `e2e-${randomBytes(4).toString('hex')}`;
  apiPort = 0;
  routerPort = 0;
  /** The router's HTTPS port (SNI with the apps' certificates). */
  tlsPort = 0;
  /** The router primary's loopback `/healthz` and `/metrics`. */
  routerAdminPort = 0;
  private paasd: ChildProcess | undefined;
  private router: ChildProcess | undefined;
  /** Output of the platform processes, for failure messages. */
  readonly logs: string[] = [];

  /**
   * With `socketActivated`, the router runs as systemd runs it with paas-router.socket: a holder process
   * owns the listening socket and starts the router again whenever it exits.
   */
  constructor(
    private readonly extraEnv: Record<string, string> = {},
    private readonly socketActivated = false,
  ) {}

  private get holderStopFile(): string {
    return join(this.dataDir, 'socket-holder.stop');
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  env(): Record<string, string> {
    return {
      ...(process.env as Record<string, string>),
      PAAS_DATA_DIR: this.dataDir,
      PAAS_API_PORT: String(this.apiPort),
      PAAS_ROUTER_PORT: String(this.routerPort),
      PAAS_ROUTER_TLS_PORT: String(this.tlsPort),
      PAAS_ROUTER_ADMIN_PORT: String(this.routerAdminPort),
      PAAS_API_URL: this.apiUrl,
      PAAS_API_TOKEN: this.token,
      PAAS_DOMAIN: 'localhost',
      PAAS_PLATFORM_ID: this.platformId,
      PAAS_LOG_LEVEL: 'warn',
      PAAS_CONFIG_DIR: this.configDir,
      NO_COLOR: '1',
      ...this.extraEnv,
    };
  }

  async start(): Promise<this> {
    this.apiPort = await freePort();
    this.routerPort = await freePort();
    this.tlsPort = await freePort();
    this.routerAdminPort = await freePort();
    await this.startPaasd();
    await this.startRouter();
    return this;
  }

  async startPaasd(): Promise<void> {
    this.paasd = this.spawn('paasd', 'apps/paasd/dist/main.js');
    await until('paasd health', () => fetch(`${this.apiUrl}/healthz`).then((r) => r.status), (s) => s === 200, 120_000);
  }

  async startRouter(): Promise<void> {
    this.router = this.socketActivated
      ? this.spawn('router', 'e2e/support/socket-holder.mjs', [String(this.routerPort), this.holderStopFile, process.execPath, join(REPO_ROOT, 'apps/router/dist/main.js')])
      : this.spawn('router', 'apps/router/dist/main.js');
    await until('router to answer', () => get(this.routerPort, 'nothing.localhost').then((r) => r.status), (s) => s === 404, 30_000);
  }

  /** Sends a signal to the router's primary process (SIGHUP reloads its workers). */
  async signalRouter(signal: NodeJS.Signals): Promise<void> {
    process.kill((await this.routerHealth()).pid, signal);
  }

  /** The router primary's `/healthz`: workers, generation, reload state, worker pids. */
  async routerHealth(): Promise<RouterHealth> {
    const res = await fetch(`http://127.0.0.1:${this.routerAdminPort}/healthz`);
    return (await res.json()) as RouterHealth;
  }

  /** Process id of the running control plane (to read its memory use from /proc). */
  get paasdPid(): number | undefined {
    return this.paasd?.pid;
  }

  /** SIGKILL of the control plane: no chance to clean up, as in a crash. */
  async killPaasd(): Promise<void> {
    await kill(this.paasd, 'SIGKILL');
    this.paasd = undefined;
  }

  /** SIGTERM of the control plane, as an upgrade or a service restart does. */
  async stopPaasd(): Promise<void> {
    await kill(this.paasd, 'SIGTERM');
    this.paasd = undefined;
  }

  /** Runs `paasd ARGS` (backup, restore...) with this platform's environment and waits for it. */
  paasdCommand(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/paasd/dist/main.js'), ...args], { cwd: REPO_ROOT, env: { ...this.env(), ...extraEnv } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  async stopRouter(): Promise<void> {
    if (this.socketActivated && this.router !== undefined) {
      // The holder restarts the router until told to stop; then the router goes and the holder follows.
      writeFileSync(this.holderStopFile, '');
      const exited = new Promise<void>((resolve) => (this.router!.exitCode !== null ? resolve() : this.router!.once('exit', () => resolve())));
      process.kill((await this.routerHealth()).pid, 'SIGTERM');
      await exited;
    } else {
      await kill(this.router, 'SIGTERM');
    }
    this.router = undefined;
  }

  /** Runs the real CLI, as a user would: `paas ARGS`. */
  paas(args: string[], options: { cwd?: string; input?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/cli/dist/main.js'), ...args], {
        cwd: options.cwd ?? this.dataDir,
        env: { ...this.env(), ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(options.input ?? '');
    });
  }

  /** Like `paas` but fails the test with the CLI's output unless it exits 0. */
  async paasOk(args: string[], options: Parameters<Platform['paas']>[1] = {}): Promise<CliResult> {
    const res = await this.paas(args, options);
    if (res.code !== 0) {
      throw new Error(`paas ${args.join(' ')} exited ${res.code}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr}\n--- platform\n${this.logs.slice(-40).join('')}`);
    }
    return res;
  }

  /** GET through the router, as the app's users do. */
  request(app: string, path = '/') {
    return get(this.routerPort, `${app}.localhost`, path);
  }

  async stop(): Promise<void> {
    await this.stopRouter().catch(() => kill(this.router, 'SIGKILL'));
    await kill(this.paasd, 'SIGTERM');
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private spawn(name: string, main: string, args: string[] = []): ChildProcess {
    const child = spawn(process.execPath, [join(REPO_ROOT, main), ...args], { cwd: REPO_ROOT, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (c: Buffer) => {
      this.logs.push(`[${name}] ${c.toString()}`);
      if (this.logs.length > 400) this.logs.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return child;
  }
}

function kill(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Writes files (path → content) under `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
}

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/**
 * Restarting the Docker engine, as the recovery tests need: through systemd where it manages docker,
 * else the way `scripts/prereqs.sh` starts it (a plain background `dockerd`): the running daemon is sent
 * SIGTERM and started again with its own command line, environment and log file. Resolves once
 * `docker info` answers again; if anything fails after the daemon stopped, it is started anyway, so the
 * engine is never left down.
 */
export async function restartDockerd(timeoutMs = 60_000): Promise<void> {
  if (usesSystemd()) {
    execFileSync('systemctl', ['restart', 'docker'], { stdio: 'ignore', timeout: timeoutMs });
    return waitForEngine(timeoutMs);
  }
  const pid = dockerdPid();
  const launch = launchOf(pid);
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor('dockerd to stop', () => !existsSync(`/proc/${pid}`), timeoutMs);
  } finally {
    if (!engineRunning()) start(launch);
  }
  await waitForEngine(timeoutMs);
}

/** Why this machine's engine cannot be restarted by the tests, or undefined when it can. */
export function cannotRestartDockerd(): string | undefined {
  if (process.platform !== 'linux') return 'restarting dockerd is only scripted on Linux';
  if (usesSystemd()) return process.getuid?.() === 0 ? undefined : 'restarting the docker unit needs root';
  const pid = findDockerdPid();
  if (pid === undefined) return 'no local dockerd process to restart';
  try {
    readFileSync(`/proc/${pid}/environ`);
  } catch {
    return 'the dockerd process belongs to another user (run the tests as root)';
  }
  return undefined;
}

interface Launch {
  argv: string[];
  env: Record<string, string>;
  logFile: string;
}

function usesSystemd(): boolean {
  if (!existsSync('/run/systemd/system')) return false;
  try {
    return execFileSync('systemctl', ['is-active', 'docker'], { encoding: 'utf8' }).trim() === 'active';
  } catch {
    return false;
  }
}

function findDockerdPid(): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-x', 'dockerd'], { encoding: 'utf8' }).trim().split('\n')[0];
    return out ? Number(out) : undefined;
  } catch {
    return undefined;
  }
}

function dockerdPid(): number {
  const pid = findDockerdPid();
  if (pid === undefined) throw new Error('No dockerd process found to restart');
  return pid;
}

/** The daemon's command line, environment and log file, read from /proc before it goes. */
function launchOf(pid: number): Launch {
  const split = (file: string) => readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').filter(Boolean);
  const env = Object.fromEntries(
    split('environ').map((kv) => {
      const eq = kv.indexOf('=');
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
  );
  let logFile = '/var/log/paas-dockerd.log';
  try {
    const target = readlinkSync(`/proc/${pid}/fd/1`);
    if (target.startsWith('/') && statSync(target).isFile()) logFile = target;
  } catch {
    // No readable stdout: the default log file of prereqs.sh.
  }
  return { argv: split('cmdline'), env, logFile };
}

/** Starts the daemon in its own session, so it outlives the test run. */
function start(launch: Launch): void {
  const log = openSync(launch.logFile, 'a');
  try {
    const [command, ...args] = launch.argv;
    const child = spawn(command!, args, { env: launch.env, detached: true, stdio: ['ignore', log, log] });
    child.unref();
  } finally {
    closeSync(log);
  }
}

function engineRunning(): boolean {
  return findDockerdPid() !== undefined;
}

function waitForEngine(timeoutMs: number): Promise<void> {
  return waitFor(
    '`docker info` to answer',
    () => {
      try {
        execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 });
        return true;
      } catch {
        return false;
      }
    },
    timeoutMs,
  );
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

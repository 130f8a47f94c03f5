import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';
import type { Platform } from './platform.js';

/** The real CLI as a long-running child process (e.g. `paas logs --tail`), read as it prints. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private readonly exited: Promise<number | null>;

  constructor(platform: Platform, args: string[]) {
    this.child = spawn(process.execPath, [join(REPO_ROOT, 'apps/cli/dist/main.js'), ...args], {
      cwd: platform.dataDir,
      env: platform.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (c: Buffer) => (this.stdout += c.toString()));
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  lines(): string[] {
    return this.stdout.split('\n').filter(Boolean);
  }

  /** Polls the output until `check` passes, or fails with what was printed. */
  async waitFor(what: string, check: (lines: string[]) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.lines())) {
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`Timed out waiting for ${what}\n--- stdout (last 40 lines)\n${this.lines().slice(-40).join('\n')}\n--- stderr\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Ctrl-C, as a user ends a tail; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    return this.exited;
  }
}

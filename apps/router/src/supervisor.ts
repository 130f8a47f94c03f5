import type { Clock, Logger, TimerHandle } from '@paas/core';

/** A router worker process, as the supervisor drives it. */
export interface WorkerProcess {
  readonly id: number;
  readonly pid: number | undefined;
  /** SIGTERM: stop accepting, answer what was sent, exit. */
  stop(): void;
}

export interface SupervisorDeps {
  /** Starts a worker process of `generation`; its events come back through `ready` and `exited`. */
  spawn(generation: number): WorkerProcess;
  workers: number;
  clock: Clock;
  logger: Logger;
  /** How long a new worker may take to listen before a reload gives up on its generation. */
  readyTimeoutMs: number;
  /** Wait before a crashed worker is replaced (a worker that cannot start must not spin). */
  restartDelayMs: number;
}

export type ReloadOutcome = 'reloaded' | 'failed' | 'stopping';

interface Member {
  worker: WorkerProcess;
  generation: number;
  ready: boolean;
}

/**
 * The router's primary process: keeps `workers` worker processes serving the shared listening sockets,
 * replaces crashed ones, and reloads without dropping a request: a new generation of workers (running
 * the code now on disk) starts accepting next to the old one, and only once every new worker listens
 * is the old generation told to drain. A generation that does not come up is stopped and the old one
 * keeps serving.
 */
export class Supervisor {
  private readonly members = new Map<number, Member>();
  /** The generation serving. */
  private generation = 1;
  /** The newest generation started; never reused, even when a reload failed. */
  private lastGeneration = 1;
  private reloading: Promise<ReloadOutcome> | null = null;
  private reloadAgain = false;
  private waiters = new Set<() => void>();
  private stopping = false;
  private reloads = 0;

  constructor(private readonly deps: SupervisorDeps) {}

  start(): void {
    for (let i = 0; i < this.deps.workers; i++) this.add(this.generation);
  }

  /** The worker listens on every socket. */
  ready(id: number): void {
    const m = this.members.get(id);
    if (m === undefined || m.ready) return;
    m.ready = true;
    for (const wake of [...this.waiters]) wake();
  }

  /** A worker process ended; one of the current generation that was not told to stop is replaced. */
  exited(id: number, code: number | null, signal: string | null): void {
    const m = this.members.get(id);
    if (m === undefined) return;
    this.members.delete(id);
    for (const wake of [...this.waiters]) wake();
    if (this.stopping || m.generation !== this.generation) return;
    this.deps.logger.error({ worker: id, pid: m.worker.pid, code, signal }, 'router worker exited; starting another');
    this.deps.clock.setTimeout(() => {
      if (!this.stopping && m.generation === this.generation) this.add(this.generation);
    }, this.deps.restartDelayMs);
  }

  /**
   * Rolling reload (SIGHUP). Calls during a reload are folded into one more reload after it, so the
   * code on disk when the last call came is what ends up running.
   */
  reload(): Promise<ReloadOutcome> {
    if (this.stopping) return Promise.resolve('stopping');
    if (this.reloading !== null) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.runReloads().finally(() => (this.reloading = null));
    return this.reloading;
  }

  /** Stops every worker (each drains) and resolves when all have exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const m of this.members.values()) m.worker.stop();
    await this.waitUntil(() => this.members.size === 0);
  }

  health(): { workers: number; generation: number; reloading: boolean; reloads: number; pids: number[] } {
    const current = [...this.members.values()].filter((m) => m.generation === this.generation && m.ready);
    return {
      workers: current.length,
      generation: this.generation,
      reloading: this.reloading !== null,
      reloads: this.reloads,
      pids: current.flatMap((m) => (m.worker.pid === undefined ? [] : [m.worker.pid])),
    };
  }

  private async runReloads(): Promise<ReloadOutcome> {
    let outcome: ReloadOutcome;
    do {
      this.reloadAgain = false;
      outcome = await this.reloadOnce();
    } while (this.reloadAgain && outcome === 'reloaded' && !this.stopping);
    return outcome;
  }

  private async reloadOnce(): Promise<ReloadOutcome> {
    const { logger } = this.deps;
    const next = ++this.lastGeneration;
    const fresh = Array.from({ length: this.deps.workers }, () => this.add(next));
    logger.info({ generation: next, workers: fresh.length }, 'reload: starting a new generation of router workers');
    const up = () => fresh.every((m) => m.ready);
    const gone = () => fresh.some((m) => !this.members.has(m.worker.id));
    const ok = await this.waitUntil(() => up() || gone() || this.stopping, this.deps.readyTimeoutMs);
    if (this.stopping) return 'stopping';
    if (!ok || gone()) {
      for (const m of fresh) if (this.members.has(m.worker.id)) m.worker.stop();
      logger.error({ generation: next, readyTimeoutMs: this.deps.readyTimeoutMs }, 'reload failed: the new router workers did not start; the running ones keep serving');
      return 'failed';
    }
    // From here new connections go to the new generation only; the old one finishes what it has.
    this.generation = next;
    this.reloads++;
    for (const m of this.members.values()) if (m.generation < next) m.worker.stop();
    logger.info({ generation: next }, 'reload: new router workers serve; the previous ones are draining');
    return 'reloaded';
  }

  private add(generation: number): Member {
    const worker = this.deps.spawn(generation);
    const m: Member = { worker, generation, ready: false };
    this.members.set(worker.id, m);
    return m;
  }

  /** Resolves true once `done()` holds (checked on every worker event), false after `timeoutMs`. */
  private waitUntil(done: () => boolean, timeoutMs?: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const finish = (result: boolean) => {
        this.waiters.delete(check);
        if (timer !== undefined) this.deps.clock.clearTimeout(timer);
        resolve(result);
      };
      const check = () => {
        if (done()) finish(true);
      };
      if (timeoutMs !== undefined) timer = this.deps.clock.setTimeout(() => finish(done()), timeoutMs);
      this.waiters.add(check);
    });
  }
}

import { PassThrough, type Readable } from 'node:stream';
import { PaasError, systemClock, type Clock } from '@paas/core';
import { FakeLogs } from './fake-logs.js';
import type {
  Attachment,
  CommitOptions,
  ContainerEvent,
  ContainerEventType,
  ContainerInfo,
  ContainerLogEntry,
  ContainerRuntime,
  ContainerSpec,
  FollowLogsOptions,
  ImageInfo,
} from './types.js';

interface FakeContainer {
  info: ContainerInfo;
  spec: ContainerSpec;
  outputListeners: ((s: 'stdout' | 'stderr', c: Buffer) => void)[];
  waiters: ((code: number) => void)[];
  endWaiters: (() => void)[];
  /** What attachments with stdin wrote, readable by tests; ended when they end stdin. */
  stdin: PassThrough | undefined;
  /** TTY sizes set, in order. */
  resizes: { columns: number; rows: number }[];
}

interface EventStream {
  listener: (e: ContainerEvent) => void;
  end: () => void;
}

/** Signal numbers, as the engine reports them in `kill` events. */
const SIGNAL_NUMBER: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGUSR2: 12, SIGTERM: 15 };
/** Exit status of a process killed by a signal, as a shell reports it (128 + signal number). */
const SIGNAL_EXIT: Record<string, number> = Object.fromEntries(Object.entries(SIGNAL_NUMBER).map(([name, n]) => [name, 128 + n]));

export interface FakeRuntimeOptions {
  /** Source of the containers' timestamps, so they agree with a test's FakeClock. */
  clock?: Clock;
}

/**
 * An in-memory ContainerRuntime for unit tests of the engines. Containers never run anything: a test
 * drives them with `exit`, `oom` and `output`, and observes `created`/`started`/`stopped` calls.
 */
export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Map<string, ImageInfo>();
  readonly networks = new Set<string>();
  /** Names of operations in call order, e.g. `start:<id>`, for asserting sequences. */
  readonly calls: string[] = [];
  /** When set, `startContainer` runs it (for example to make a container exit immediately). */
  onStart: ((id: string, spec: ContainerSpec) => void) | undefined;
  /** When set, `stopContainer` asks it for the exit code; defaults to 143 (SIGTERM). */
  stopExitCode = 143;
  available = true;
  private seq = 0;
  private readonly streams = new Set<EventStream>();
  private readonly logs = new FakeLogs();
  private readonly clock: Clock;

  constructor(options: FakeRuntimeOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  private check(): void {
    if (!this.available) throw new PaasError('runtime_unavailable', 'fake runtime is down');
  }

  async ping(): Promise<void> {
    this.check();
  }

  async ensureNetwork(name: string): Promise<void> {
    this.check();
    this.networks.add(name);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    this.check();
    for (const c of this.containers.values()) {
      if (c.info.name === spec.name) throw new PaasError('conflict', `container name ${spec.name} in use`);
    }
    const n = ++this.seq;
    const id = `fake${String(n).padStart(8, '0')}`;
    this.containers.set(id, {
      spec,
      outputListeners: [],
      waiters: [],
      endWaiters: [],
      stdin: undefined,
      resizes: [],
      info: {
        id,
        name: spec.name,
        image: spec.image,
        cmd: [...spec.cmd],
        labels: { ...spec.labels },
        state: 'created',
        exitCode: 0,
        oomKilled: false,
        createdAt: this.now(),
        startedAt: undefined,
        finishedAt: undefined,
        networks: spec.network ? { [spec.network]: `10.0.${Math.floor(n / 250)}.${(n % 250) + 2}` } : {},
      },
    });
    this.calls.push(`create:${spec.name}`);
    this.emit('create', id);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    this.check();
    const c = this.get(id);
    if (c.info.state === 'running') return;
    c.info.state = 'running';
    c.info.startedAt = this.now();
    c.info.oomKilled = false;
    this.calls.push(`start:${c.info.name}`);
    this.emit('start', id);
    this.onStart?.(id, c.spec);
  }

  async stopContainer(id: string): Promise<void> {
    this.check();
    const c = this.containers.get(id);
    this.calls.push(`stop:${c?.info.name ?? id}`);
    if (c && c.info.state === 'running') {
      this.emit('kill', id, c, undefined, SIGNAL_NUMBER['SIGTERM']);
      this.exit(id, this.stopExitCode);
    }
  }

  /** Like a process without handlers: any of the common signals ends it with 128 + the signal number. */
  async killContainer(id: string, signal = 'SIGKILL'): Promise<void> {
    this.check();
    const c = this.containers.get(id);
    this.calls.push(`kill:${c?.info.name ?? id}`);
    if (c && c.info.state === 'running') {
      this.emit('kill', id, c, undefined, SIGNAL_NUMBER[signal] ?? 9);
      this.exit(id, SIGNAL_EXIT[signal] ?? 137);
    }
  }

  /** As Docker: a running container is removed only with `force`. */
  async removeContainer(id: string, options: { force?: boolean } = {}): Promise<void> {
    this.check();
    const c = this.containers.get(id);
    if (!c) return;
    if (c.info.state === 'running') {
      if (!options.force) throw new PaasError('internal_error', `cannot remove running container ${c.info.name} without force`);
      this.exit(id, 137);
    }
    this.containers.delete(id);
    this.calls.push(`remove:${c.info.name}`);
    this.emit('destroy', id, c);
    // Docker's wait answers when a never-started container is removed; nobody must hang on it.
    c.waiters.splice(0).forEach((w) => w(c.info.exitCode));
    c.endWaiters.splice(0).forEach((w) => w());
  }

  async inspectContainer(id: string): Promise<ContainerInfo | undefined> {
    this.check();
    const c = this.containers.get(id);
    return c ? structuredClone(c.info) : undefined;
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerInfo[]> {
    this.check();
    return [...this.containers.values()]
      .filter((c) => Object.entries(labels).every(([k, v]) => c.info.labels[k] === v))
      .map((c) => structuredClone(c.info));
  }

  waitContainer(id: string, options: { signal?: AbortSignal } = {}): Promise<{ exitCode: number }> {
    const c = this.get(id);
    if (c.info.state === 'exited' || c.info.state === 'dead') return Promise.resolve({ exitCode: c.info.exitCode });
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new PaasError('internal_error', 'wait aborted'));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        c.waiters = c.waiters.filter((w) => w !== waiter);
        reject(new PaasError('internal_error', 'wait aborted'));
      };
      const waiter = (exitCode: number) => {
        signal?.removeEventListener('abort', onAbort);
        resolve({ exitCode });
      };
      c.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async resizeContainer(id: string, size: { columns: number; rows: number }): Promise<void> {
    this.check();
    const c = this.containers.get(id);
    this.calls.push(`resize:${c?.info.name ?? id}:${size.columns}x${size.rows}`);
    if (c?.spec.tty && c.info.state === 'running') c.resizes.push(size);
  }

  async attachContainer(id: string): Promise<Attachment> {
    const c = this.get(id);
    let close!: () => void;
    const ended = new Promise<void>((resolve) => {
      close = resolve;
      c.endWaiters.push(resolve);
    });
    if (c.spec.openStdin) c.stdin ??= new PassThrough();
    return {
      onOutput: (l) => void c.outputListeners.push(l),
      stdin: c.spec.openStdin ? c.stdin : undefined,
      ended,
      close: () => close(),
    };
  }

  async putArchive(id: string, path: string, archive: Readable): Promise<void> {
    this.get(id);
    for await (const _ of archive) {
      // drained: the fake keeps no filesystem
    }
    this.calls.push(`put:${path}`);
  }

  async commitContainer(id: string, options: CommitOptions): Promise<string> {
    this.get(id);
    const imageId = `sha256:fakeimage${++this.seq}`;
    this.images.set(options.tag, { id: imageId, tags: [options.tag], labels: options.labels ?? {}, size: 1, createdAt: this.now() });
    return imageId;
  }

  async imageExists(ref: string): Promise<boolean> {
    this.check();
    return this.images.has(ref);
  }

  async tagImage(ref: string, tag: string): Promise<void> {
    this.check();
    const image = this.images.get(ref);
    if (image === undefined) throw new PaasError('internal_error', `no such image ${ref}`);
    this.images.set(tag, { ...image, tags: [...image.tags, tag] });
  }

  async removeImage(ref: string): Promise<void> {
    this.images.delete(ref);
  }

  async listImages(labels: Record<string, string>): Promise<ImageInfo[]> {
    return [...this.images.values()].filter((i) => Object.entries(labels).every(([k, v]) => i.labels[k] === v));
  }

  /**
   * Subscribes at the call, not at the first `next()`, so no event between the two is lost; throws when the
   * fake is `available = false`, as the Docker runtime does when the engine cannot be reached.
   */
  events(labels: Record<string, string>, signal: AbortSignal): AsyncIterable<ContainerEvent> {
    this.check();
    const queue: ContainerEvent[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const stream: EventStream = {
      listener: (e) => {
        if (Object.entries(labels).every(([k, v]) => e.labels[k] === v)) {
          queue.push(e);
          wake?.();
        }
      },
      end: () => {
        ended = true;
        wake?.();
      },
    };
    this.streams.add(stream);
    const streams = this.streams;
    const onAbort = () => {
      streams.delete(stream);
      wake?.();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    async function* iterate(): AsyncGenerator<ContainerEvent> {
      try {
        // Events already delivered are read before the end, as from a closing HTTP stream.
        while (!signal.aborted && (!ended || queue.length > 0)) {
          const next = queue.shift();
          if (next) {
            yield next;
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        streams.delete(stream);
        signal.removeEventListener('abort', onAbort);
      }
    }
    return iterate();
  }

  /** Replays what `output` wrote (from `since`), then follows until the container stops or is removed. */
  followLogs(id: string, options: FollowLogsOptions): AsyncIterable<ContainerLogEntry> {
    const c = this.get(id);
    const stopped = c.info.state === 'exited' || c.info.state === 'dead';
    return this.logs.follow(id, options, stopped, (end) => c.endWaiters.push(end));
  }

  // ---- test controls ----

  /** Makes a running container exit with `code`, as if its process ended. */
  exit(id: string, code: number, options: { oom?: boolean } = {}): void {
    const c = this.get(id);
    if (c.info.state !== 'running') return;
    if (options.oom) {
      c.info.oomKilled = true;
      this.emit('oom', id);
    }
    c.info.state = 'exited';
    c.info.exitCode = code;
    c.info.finishedAt = this.now();
    this.emit('die', id, c, code);
    c.waiters.splice(0).forEach((w) => w(code));
    c.endWaiters.splice(0).forEach((w) => w());
  }

  /** Ends every open event stream, as when the engine's connection drops. */
  disconnectEvents(): void {
    for (const s of [...this.streams]) {
      this.streams.delete(s);
      s.end();
    }
  }

  /**
   * Simulates dockerd restarting: event streams end, then every running container stops (exit 143, as
   * on a daemon shutdown) with no event delivered, since nobody is subscribed any more.
   */
  restartEngine(): void {
    this.disconnectEvents();
    for (const c of this.containers.values()) {
      if (c.info.state !== 'running') continue;
      c.info.state = 'exited';
      c.info.exitCode = 143;
      c.info.finishedAt = this.now();
      c.waiters.splice(0).forEach((w) => w(143));
      c.endWaiters.splice(0).forEach((w) => w());
    }
  }

  /**
   * Simulates dockerd shutting down, as the events show it: every running container is sent SIGTERM
   * (`kill` events) and exits 143 (`die`), then the event streams end and the engine stops answering
   * until `available` is set again.
   */
  stopEngine(): void {
    for (const c of [...this.containers.values()]) {
      if (c.info.state !== 'running') continue;
      this.emit('kill', c.info.id, c, undefined, SIGNAL_NUMBER['SIGTERM']);
      this.exit(c.info.id, 143);
    }
    this.disconnectEvents();
    this.available = false;
  }

  /** Delivers output from a container to its attachments. */
  output(id: string, stream: 'stdout' | 'stderr', text: string): void {
    this.get(id).outputListeners.forEach((l) => l(stream, Buffer.from(text)));
    this.logs.record(id, { stream, time: this.clock.now(), data: Buffer.from(text) });
  }

  addImage(tag: string, labels: Record<string, string> = {}): void {
    this.images.set(tag, { id: `sha256:${tag}`, tags: [tag], labels, size: 1, createdAt: this.now() });
  }

  running(labels: Record<string, string> = {}): ContainerInfo[] {
    return [...this.containers.values()]
      .filter((c) => c.info.state === 'running' && Object.entries(labels).every(([k, v]) => c.info.labels[k] === v))
      .map((c) => c.info);
  }

  private get(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new PaasError('internal_error', `no such container ${id}`);
    return c;
  }

  private emit(type: ContainerEventType, id: string, c = this.containers.get(id), exitCode?: number, signal?: number): void {
    const event: ContainerEvent = { type, id, labels: { ...(c?.info.labels ?? {}) }, exitCode, time: this.now(), ...(signal === undefined ? {} : { signal }) };
    this.streams.forEach((s) => s.listener(event));
  }

  private now(): Date {
    return new Date(this.clock.now());
  }
}

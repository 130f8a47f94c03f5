import { PassThrough, type Readable } from 'node:stream';
import { PaasError } from '@paas/core';
import type {
  Attachment,
  CommitOptions,
  ContainerEvent,
  ContainerEventType,
  ContainerInfo,
  ContainerRuntime,
  ContainerSpec,
  ImageInfo,
} from './types.js';

interface FakeContainer {
  info: ContainerInfo;
  spec: ContainerSpec;
  outputListeners: ((s: 'stdout' | 'stderr', c: Buffer) => void)[];
  waiters: ((code: number) => void)[];
  endWaiters: (() => void)[];
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
  private listeners = new Set<(e: ContainerEvent) => void>();

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
      info: {
        id,
        name: spec.name,
        image: spec.image,
        labels: { ...spec.labels },
        state: 'created',
        exitCode: 0,
        oomKilled: false,
        createdAt: new Date(),
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
    c.info.startedAt = new Date();
    c.info.oomKilled = false;
    this.calls.push(`start:${c.info.name}`);
    this.emit('start', id);
    this.onStart?.(id, c.spec);
  }

  async stopContainer(id: string): Promise<void> {
    this.check();
    const c = this.containers.get(id);
    this.calls.push(`stop:${c?.info.name ?? id}`);
    if (c && c.info.state === 'running') this.exit(id, this.stopExitCode);
  }

  async killContainer(id: string): Promise<void> {
    this.check();
    const c = this.containers.get(id);
    this.calls.push(`kill:${c?.info.name ?? id}`);
    if (c && c.info.state === 'running') this.exit(id, 137);
  }

  async removeContainer(id: string): Promise<void> {
    this.check();
    const c = this.containers.get(id);
    if (!c) return;
    if (c.info.state === 'running') this.exit(id, 137);
    this.containers.delete(id);
    this.calls.push(`remove:${c.info.name}`);
    this.emit('destroy', id, c);
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

  waitContainer(id: string): Promise<{ exitCode: number }> {
    const c = this.get(id);
    if (c.info.state === 'exited' || c.info.state === 'dead') return Promise.resolve({ exitCode: c.info.exitCode });
    return new Promise((resolve) => c.waiters.push((exitCode) => resolve({ exitCode })));
  }

  async attachContainer(id: string): Promise<Attachment> {
    const c = this.get(id);
    let close!: () => void;
    const ended = new Promise<void>((resolve) => {
      close = resolve;
      c.endWaiters.push(resolve);
    });
    return {
      onOutput: (l) => void c.outputListeners.push(l),
      stdin: c.spec.openStdin ? new PassThrough() : undefined,
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
    this.images.set(options.tag, { id: imageId, tags: [options.tag], labels: options.labels ?? {}, size: 1, createdAt: new Date() });
    return imageId;
  }

  async imageExists(ref: string): Promise<boolean> {
    this.check();
    return this.images.has(ref);
  }

  async removeImage(ref: string): Promise<void> {
    this.images.delete(ref);
  }

  async listImages(labels: Record<string, string>): Promise<ImageInfo[]> {
    return [...this.images.values()].filter((i) => Object.entries(labels).every(([k, v]) => i.labels[k] === v));
  }

  async *events(labels: Record<string, string>, signal: AbortSignal): AsyncIterable<ContainerEvent> {
    const queue: ContainerEvent[] = [];
    let wake: (() => void) | undefined;
    const listener = (e: ContainerEvent) => {
      if (Object.entries(labels).every(([k, v]) => e.labels[k] === v)) {
        queue.push(e);
        wake?.();
      }
    };
    this.listeners.add(listener);
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.listeners.delete(listener);
      signal.removeEventListener('abort', onAbort);
    }
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
    c.info.finishedAt = new Date();
    this.emit('die', id, c, code);
    c.waiters.splice(0).forEach((w) => w(code));
    c.endWaiters.splice(0).forEach((w) => w());
  }

  /** Delivers output from a container to its attachments. */
  output(id: string, stream: 'stdout' | 'stderr', text: string): void {
    this.get(id).outputListeners.forEach((l) => l(stream, Buffer.from(text)));
  }

  addImage(tag: string, labels: Record<string, string> = {}): void {
    this.images.set(tag, { id: `sha256:${tag}`, tags: [tag], labels, size: 1, createdAt: new Date() });
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

  private emit(type: ContainerEventType, id: string, c = this.containers.get(id), exitCode?: number): void {
    const event: ContainerEvent = { type, id, labels: { ...(c?.info.labels ?? {}) }, exitCode, time: new Date() };
    this.listeners.forEach((l) => l(event));
  }
}

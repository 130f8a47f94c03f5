import Docker from 'dockerode';
import { Duplex, type Readable } from 'node:stream';
import { PaasError } from '@paas/core';
import { createDemuxer } from './demux.js';
import { followDockerLogs } from './docker-logs.js';
import type {
  AttachOptions,
  Attachment,
  CommitOptions,
  ContainerEvent,
  ContainerEventType,
  ContainerInfo,
  ContainerRuntime,
  ContainerSpec,
  ContainerState,
  ImageInfo,
  NetworkOptions,
} from './types.js';

export interface DockerRuntimeOptions {
  /** Path of the engine's socket; dockerode's default (DOCKER_HOST or /var/run/docker.sock) when unset. */
  socketPath?: string;
}

const EVENT_TYPES = new Set<ContainerEventType>(['create', 'start', 'die', 'oom', 'kill', 'stop', 'destroy']);

/** A ContainerRuntime on a local Docker engine. */
export function createDockerRuntime(options: DockerRuntimeOptions = {}): ContainerRuntime {
  const docker = new Docker(options.socketPath ? { socketPath: options.socketPath } : undefined);

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toRuntimeError(what, err);
    }
  };

  const inspect = async (id: string): Promise<ContainerInfo | undefined> => {
    try {
      return toContainerInfo(await docker.getContainer(id).inspect());
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw toRuntimeError('inspect container', err);
    }
  };

  return {
    ping: () => call('ping', async () => void (await docker.ping())),

    async ensureNetwork(name: string, net: NetworkOptions) {
      const existing = await call('list networks', () => docker.listNetworks({ filters: { name: [name] } }));
      if (existing.some((n) => n.Name === name)) return;
      try {
        await docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: net.labels ?? {},
          Options: { 'com.docker.network.bridge.enable_icc': String(net.interContainer) },
        });
      } catch (err) {
        if (statusOf(err) !== 409) throw toRuntimeError('create network', err);
      }
    },

    async createContainer(spec: ContainerSpec) {
      const created = await call('create container', () =>
        docker.createContainer({
          name: spec.name,
          Image: spec.image,
          Cmd: spec.cmd,
          Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
          Labels: spec.labels,
          ...(spec.user === undefined ? {} : { User: spec.user }),
          ...(spec.workingDir === undefined ? {} : { WorkingDir: spec.workingDir }),
          Tty: spec.tty ?? false,
          OpenStdin: spec.openStdin ?? false,
          StdinOnce: spec.openStdin ?? false,
          AttachStdin: spec.openStdin ?? false,
          AttachStdout: true,
          AttachStderr: true,
          ...(spec.stopTimeoutSec === undefined ? {} : { StopTimeout: spec.stopTimeoutSec }),
          HostConfig: {
            NetworkMode: spec.network ?? 'bridge',
            Mounts: (spec.mounts ?? []).map((m) => ({ Type: 'bind', Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
            ...(spec.memoryBytes === undefined ? {} : { Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes }),
            ...(spec.cpuShares === undefined ? {} : { CpuShares: spec.cpuShares }),
            ...(spec.nanoCpus === undefined ? {} : { NanoCpus: spec.nanoCpus }),
            ...(spec.pidsLimit === undefined ? {} : { PidsLimit: spec.pidsLimit }),
            ...(spec.hardened ? { CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] } : {}),
            Init: spec.init ?? false,
            ...(spec.logMaxBytes === undefined
              ? {}
              : { LogConfig: { Type: 'json-file', Config: { 'max-size': String(spec.logMaxBytes), 'max-file': '2' } } }),
            RestartPolicy: { Name: 'no' },
          },
        }),
      ).catch((err: PaasError) => {
        if (statusOf(err.cause) === 409) throw new PaasError('conflict', `Container name ${spec.name} is in use`, { cause: err.cause });
        throw err;
      });
      return created.id;
    },

    startContainer: (id) =>
      call('start container', async () => {
        try {
          await docker.getContainer(id).start();
        } catch (err) {
          if (statusOf(err) !== 304) throw err; // already started
        }
      }),

    stopContainer: (id, { timeoutSec }) =>
      call('stop container', async () => {
        try {
          await docker.getContainer(id).stop({ t: timeoutSec });
        } catch (err) {
          const status = statusOf(err);
          if (status !== 304 && status !== 404) throw err; // already stopped or gone
        }
      }),

    killContainer: (id, signal = 'SIGKILL') =>
      call('kill container', async () => {
        try {
          await docker.getContainer(id).kill({ signal });
        } catch (err) {
          const status = statusOf(err);
          if (status !== 404 && status !== 409) throw err; // gone or not running
        }
      }),

    removeContainer: (id, opts = {}) =>
      call('remove container', async () => {
        try {
          await docker.getContainer(id).remove({ force: opts.force ?? false, v: true });
        } catch (err) {
          const status = statusOf(err);
          // 404: gone. 409 is benign only when a removal is already in progress; it also means "running,
          // use force", which must surface.
          if (status !== 404 && !(status === 409 && /already in progress/i.test(messageOf(err)))) throw err;
        }
      }),

    inspectContainer: inspect,

    async listContainers(labels) {
      const summaries = await call('list containers', () =>
        docker.listContainers({ all: true, filters: { label: labelFilters(labels) } }),
      );
      const infos = await Promise.all(summaries.map((s) => inspect(s.Id)));
      return infos.filter((i): i is ContainerInfo => i !== undefined);
    },

    waitContainer: (id, opts = {}) => call('wait container', () => waitForExit(docker, id, opts.signal)),

    resizeContainer: (id, size) =>
      call('resize container', async () => {
        try {
          await docker.getContainer(id).resize({ h: size.rows, w: size.columns });
        } catch (err) {
          const status = statusOf(err);
          // Gone, or not running (yet, or any more): nothing to resize.
          if (status !== 404 && status !== 409 && !/not running|no such|cannot resize/i.test(messageOf(err))) throw err;
        }
      }),

    attachContainer: (id, opts) => call('attach container', () => attach(docker, id, opts)),

    putArchive: (id, path, archive) =>
      call('copy archive into container', async () => {
        await docker.getContainer(id).putArchive(archive as unknown as NodeJS.ReadableStream, { path });
      }),

    async commitContainer(id, opts: CommitOptions) {
      const colon = opts.tag.lastIndexOf(':');
      const repo = colon > 0 ? opts.tag.slice(0, colon) : opts.tag;
      const tag = colon > 0 ? opts.tag.slice(colon + 1) : 'latest';
      const res = await call('commit container', () =>
        docker.getContainer(id).commit({
          _query: { container: id, repo, tag, pause: false },
          _body: {
            Labels: opts.labels ?? {},
            ...(opts.user === undefined ? {} : { User: opts.user }),
            ...(opts.workingDir === undefined ? {} : { WorkingDir: opts.workingDir }),
            ...(opts.env === undefined ? {} : { Env: Object.entries(opts.env).map(([k, v]) => `${k}=${v}`) }),
          },
        } as unknown as Record<string, unknown>),
      );
      return (res as { Id: string }).Id;
    },

    async imageExists(ref) {
      try {
        await docker.getImage(ref).inspect();
        return true;
      } catch (err) {
        if (statusOf(err) === 404) return false;
        throw toRuntimeError('inspect image', err);
      }
    },

    tagImage: (ref, tag) =>
      call('tag image', async () => {
        const at = tag.lastIndexOf(':');
        const [repo, version] = at > tag.lastIndexOf('/') ? [tag.slice(0, at), tag.slice(at + 1)] : [tag, 'latest'];
        await docker.getImage(ref).tag({ repo, tag: version });
      }),

    removeImage: (ref) =>
      call('remove image', async () => {
        try {
          await docker.getImage(ref).remove();
        } catch (err) {
          if (statusOf(err) !== 404) throw err;
        }
      }),

    async listImages(labels): Promise<ImageInfo[]> {
      const images = await call('list images', () => docker.listImages({ filters: { label: labelFilters(labels) } }));
      return images.map((i) => ({
        id: i.Id,
        tags: i.RepoTags ?? [],
        labels: i.Labels ?? {},
        size: i.Size,
        createdAt: new Date(i.Created * 1000),
      }));
    },

    events: (labels, signal) => events(docker, labels, signal),

    followLogs: (id, opts) => followDockerLogs(docker, id, opts),
  };
}

async function attach(docker: Docker, id: string, opts: AttachOptions): Promise<Attachment> {
  const stream = (await docker.getContainer(id).attach({
    stream: true,
    stdin: opts.stdin ?? false,
    stdout: true,
    stderr: true,
    hijack: opts.stdin ?? false,
  })) as unknown as Duplex;
  const listeners: ((s: 'stdout' | 'stderr', c: Buffer) => void)[] = [];
  const emit = (s: 'stdout' | 'stderr', c: Buffer) => listeners.forEach((l) => l(s, c));
  const demux = createDemuxer(emit);
  stream.on('data', (chunk: Buffer) => (opts.tty ? emit('stdout', chunk) : demux(chunk)));
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  return {
    onOutput: (l) => void listeners.push(l),
    stdin: opts.stdin ? stream : undefined,
    ended,
    close: () => stream.destroy(),
  };
}

/**
 * Opens the stream at the call (not at the first `next()`), asking for events since the call time, so
 * nothing that happens between the call and the engine registering the subscription is lost.
 */
function events(docker: Docker, labels: Record<string, string>, signal: AbortSignal): AsyncIterable<ContainerEvent> {
  const opening = (
    docker.getEvents({
      since: dockerTimestamp(Date.now()),
      filters: { type: ['container'], label: labelFilters(labels) },
      abortSignal: signal,
    } as unknown as Docker.GetEventsOptions) as unknown as Promise<Readable>
  ).then(
    (stream) => ({ stream }),
    (error: unknown) => ({ error }),
  );
  return readEvents(opening, signal);
}

async function* readEvents(
  opening: Promise<{ stream: Readable } | { error: unknown }>,
  signal: AbortSignal,
): AsyncGenerator<ContainerEvent> {
  const opened = await opening;
  if ('error' in opened) {
    if (signal.aborted) return;
    throw toRuntimeError('watch events', opened.error);
  }
  const stream = opened.stream;
  const onAbort = () => stream.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  let buffered = '';
  try {
    for await (const chunk of stream) {
      buffered += (chunk as Buffer).toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line === '') continue;
        const event = parseEvent(line);
        if (event) yield event;
      }
    }
  } catch (err) {
    if (!signal.aborted) throw toRuntimeError('watch events', err);
  } finally {
    signal.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}

/** Docker's `seconds.nanoseconds` timestamp format (the fraction is nanoseconds, zero-padded to 9 digits). */
function dockerTimestamp(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1_000_000).padStart(9, '0')}`;
}

function parseEvent(line: string): ContainerEvent | undefined {
  let raw: { status?: string; Action?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> }; timeNano?: number; time?: number };
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  const action = (raw.Action ?? raw.status ?? '').split(':')[0] as ContainerEventType;
  if (!EVENT_TYPES.has(action)) return undefined;
  const attrs = raw.Actor?.Attributes ?? {};
  const { exitCode, signal, ...rest } = attrs;
  return {
    type: action,
    id: raw.Actor?.ID ?? raw.id ?? '',
    labels: rest,
    exitCode: exitCode === undefined ? undefined : Number(exitCode),
    ...(signal === undefined ? {} : { signal: Number(signal) }),
    time: raw.timeNano ? new Date(raw.timeNano / 1e6) : new Date((raw.time ?? 0) * 1000),
  };
}

function toContainerInfo(c: Docker.ContainerInspectInfo): ContainerInfo {
  const networks: Record<string, string> = {};
  for (const [name, net] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
    if (net.IPAddress) networks[name] = net.IPAddress;
  }
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    image: c.Config.Image,
    cmd: c.Config.Cmd ?? [],
    labels: c.Config.Labels ?? {},
    state: c.State.Status as ContainerState,
    exitCode: c.State.ExitCode,
    oomKilled: c.State.OOMKilled,
    createdAt: new Date(c.Created),
    startedAt: parseDockerTime(c.State.StartedAt),
    finishedAt: parseDockerTime(c.State.FinishedAt),
    networks,
  };
}

/** Docker reports "never" as the zero time 0001-01-01T00:00:00Z. */
function parseDockerTime(value: string | undefined): Date | undefined {
  if (!value || value.startsWith('0001-')) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function labelFilters(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

/**
 * Docker's wait with the default `not-running` condition answers at once, with status 0, for a container
 * that has been created but not started yet (as when waiting before starting, so no exit is missed). Wait
 * again until the container has really run; a container that starts and exits between two polls is then
 * reported by the next `not-running` wait, which returns its exit code.
 */
async function waitForExit(docker: Docker, id: string, signal?: AbortSignal): Promise<{ exitCode: number }> {
  const container = docker.getContainer(id);
  for (;;) {
    const res = (await container.wait({ condition: 'not-running', ...(signal ? { abortSignal: signal } : {}) })) as { StatusCode: number };
    let info: Docker.ContainerInspectInfo;
    try {
      info = await container.inspect(signal ? { abortSignal: signal } : {});
    } catch (err) {
      if (statusOf(err) === 404) return { exitCode: res.StatusCode }; // removed (auto-remove) after exiting
      throw err;
    }
    if (info.State.Status === 'exited' || info.State.Status === 'dead') return { exitCode: info.State.ExitCode };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err ? (err as { statusCode: number }).statusCode : undefined;
}

function toRuntimeError(what: string, err: unknown): PaasError {
  if (err instanceof PaasError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'ECONNRESET' || code === 'EPIPE') {
    return new PaasError('runtime_unavailable', `Cannot reach the Docker engine (${what}): is dockerd running?`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new PaasError('internal_error', `Docker failed to ${what}: ${message}`, { cause: err });
}

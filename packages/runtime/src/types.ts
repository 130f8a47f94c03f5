import type { Readable, Duplex } from 'node:stream';

/**
 * The container runtime as the engines see it. A Docker implementation (dockerode) is the default; a
 * Swarm implementation can sit behind the same interface later; `testing.ts` has an in-memory fake.
 * Engines never talk to Docker directly.
 */
export interface ContainerRuntime {
  /** Resolves when the engine answers; throws `runtime_unavailable` otherwise. */
  ping(): Promise<void>;
  ensureNetwork(name: string, options: NetworkOptions): Promise<void>;
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM (or the image's stop signal), then SIGKILL after `timeoutSec`. Resolves once stopped. */
  stopContainer(id: string, options: { timeoutSec: number }): Promise<void>;
  killContainer(id: string, signal?: string): Promise<void>;
  /** Removing a container that is already gone is not an error. */
  removeContainer(id: string, options?: { force?: boolean }): Promise<void>;
  inspectContainer(id: string): Promise<ContainerInfo | undefined>;
  /** Every container, in any state, carrying all of the given labels. */
  listContainers(labels: Record<string, string>): Promise<ContainerInfo[]>;
  /**
   * Resolves with the exit code once the container has stopped. `signal` ends the wait (rejecting), so a
   * caller that stops caring does not keep a connection to the engine open.
   */
  waitContainer(id: string, options?: { signal?: AbortSignal }): Promise<{ exitCode: number }>;
  /** Sets the size of a container's TTY (no-op for a container without one). */
  resizeContainer(id: string, size: { columns: number; rows: number }): Promise<void>;
  /**
   * Attaches to a container created with `openStdin` or to its output. Call before `startContainer` so no
   * output is lost. Output chunks are demultiplexed unless the container has a TTY.
   */
  attachContainer(id: string, options: AttachOptions): Promise<Attachment>;
  /** Extracts a tar (optionally gzipped) stream at `path` inside the container's filesystem. */
  putArchive(id: string, path: string, archive: Readable): Promise<void>;
  /** Turns a container's filesystem into an image. */
  commitContainer(id: string, options: CommitOptions): Promise<string>;
  imageExists(ref: string): Promise<boolean>;
  /** Gives an image another `repository:tag` (moved from any image that had it). */
  tagImage(ref: string, tag: string): Promise<void>;
  removeImage(ref: string): Promise<void>;
  listImages(labels: Record<string, string>): Promise<ImageInfo[]>;
  /**
   * Container events from the moment of the call until `signal` aborts. Ends (returns or throws) when the
   * engine connection drops, e.g. when dockerd restarts.
   */
  events(labels: Record<string, string>, signal: AbortSignal): AsyncIterable<ContainerEvent>;
  /**
   * The container's output as the engine logged it (from `since`, else from the start), then live until
   * the container stops or `signal` aborts. The engine keeps the output on disk, so a slow reader never
   * blocks the container's writes. Throws `not_found` when there is no such container.
   */
  followLogs(id: string, options: FollowLogsOptions): AsyncIterable<ContainerLogEntry>;
}

export interface FollowLogsOptions {
  /** Only output logged at or after this time, ms since the epoch. */
  since?: number;
  signal: AbortSignal;
}

/** One piece of a container's output: a line with its newline, or part of a long line, never more. */
export interface ContainerLogEntry {
  stream: 'stdout' | 'stderr';
  /** When the engine received it: ms since the epoch, the fraction carrying microseconds. */
  time: number;
  data: Buffer;
}

export interface NetworkOptions {
  /** Containers on the network can talk to each other (Docker's ICC). Off isolates dynos. */
  interContainer: boolean;
  labels?: Record<string, string>;
}

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ContainerSpec {
  name: string;
  image: string;
  cmd: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  user?: string;
  workingDir?: string;
  network?: string;
  mounts?: Mount[];
  /** Hard memory limit in bytes (swap is not allowed beyond it). */
  memoryBytes?: number;
  /** Relative CPU weight (Docker's default is 1024). */
  cpuShares?: number;
  /** CPU quota in billionths of a CPU. */
  nanoCpus?: number;
  pidsLimit?: number;
  /** Drop every capability and forbid gaining privileges (setuid). */
  hardened?: boolean;
  /** Run a minimal init as PID 1 that forwards signals and reaps zombies. */
  init?: boolean;
  tty?: boolean;
  openStdin?: boolean;
  /**
   * Bound on the engine's own copy of the container's output (rotated files of this size, two kept), so
   * an app that floods its stdout cannot fill the disk. Unbounded when unset.
   */
  logMaxBytes?: number;
  /** Seconds Docker waits after the stop signal before SIGKILL, when stopped by the engine itself. */
  stopTimeoutSec?: number;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  /** The command the container runs (Docker's Cmd); optional so older fakes still type-check. */
  cmd?: string[];
  labels: Record<string, string>;
  state: ContainerState;
  /** Exit code of the last run; meaningful once exited. */
  exitCode: number;
  oomKilled: boolean;
  createdAt: Date;
  startedAt: Date | undefined;
  finishedAt: Date | undefined;
  /** Network name to the container's IP address on it. */
  networks: Record<string, string>;
}

export interface ImageInfo {
  id: string;
  tags: string[];
  labels: Record<string, string>;
  size: number;
  createdAt: Date;
}

export interface CommitOptions {
  /** `repository:tag` for the new image. */
  tag: string;
  labels?: Record<string, string>;
  user?: string;
  workingDir?: string;
  env?: Record<string, string>;
}

export interface AttachOptions {
  stdin?: boolean;
  /** The container was created with a TTY: output is one raw stream. */
  tty?: boolean;
}

export interface Attachment {
  /** Output chunks as they arrive. With a TTY every chunk is reported as stdout. */
  onOutput(listener: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): void;
  /** Writable stdin, when attached with `stdin`. */
  stdin: Duplex | undefined;
  /** Resolves when the output stream has ended (the container stopped or the attachment closed). */
  ended: Promise<void>;
  close(): void;
}

export type ContainerEventType = 'create' | 'start' | 'die' | 'oom' | 'kill' | 'stop' | 'destroy';

export interface ContainerEvent {
  type: ContainerEventType;
  id: string;
  labels: Record<string, string>;
  /** For `die`: the exit code. */
  exitCode: number | undefined;
  /** For `kill`: the signal sent, by number (`15` for SIGTERM, as the engine reports it). */
  signal?: number;
  time: Date;
}

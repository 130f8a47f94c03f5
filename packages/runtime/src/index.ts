export type {
  AttachOptions,
  Attachment,
  CommitOptions,
  ContainerEvent,
  ContainerEventType,
  ContainerLogEntry,
  ContainerInfo,
  ContainerRuntime,
  ContainerSpec,
  ContainerState,
  FollowLogsOptions,
  ImageInfo,
  Mount,
  NetworkOptions,
} from './types.js';
export { createDockerRuntime } from './docker.js';
export type { DockerRuntimeOptions } from './docker.js';
export { runContainer } from './run.js';
export type { RunOptions, RunResult } from './run.js';
export { createDemuxer } from './demux.js';

export type {
  AppSpec,
  CrashBackoffOptions,
  DynoEventSink,
  DynoManager,
  DynoManagerOptions,
  DynoStatus,
  OneOffDyno,
  OneOffRequest,
  PortProbe,
  RestartTarget,
  RouteSync,
} from './types.js';
export { createDynoManager } from './dyno-manager.js';
export type { DynoManagerDeps } from './dyno-manager.js';
export { DEFAULT_DYNO_MANAGER_OPTIONS, MAX_DYNOS_PER_TYPE } from './options.js';
export { DEFAULT_CRASH_BACKOFF, crashRestartDelay } from './backoff.js';
export { DYNO_LABELS, DYNO_SELECTOR, ONE_OFF_KIND, oneOffSelector, parseDynoLabels } from './labels.js';
export type { DynoIdentity } from './labels.js';
export { createTcpProbe } from './tcp-probe.js';
export type { TcpProbeOptions } from './tcp-probe.js';

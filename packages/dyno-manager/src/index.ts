export type {
  AppSpec,
  DynoEventSink,
  DynoManager,
  DynoManagerOptions,
  DynoStatus,
  PortProbe,
  RouteSync,
} from './types.js';

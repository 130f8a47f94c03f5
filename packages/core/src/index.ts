export { ERROR_CODES, PaasError, isPaasError, isErrorCode } from './errors.js';
export type { ErrorCode, ErrorBody } from './errors.js';
export {
  APP_NAME_PATTERN,
  CONFIG_KEY_PATTERN,
  DYNO_NAME_PATTERN,
  PROCESS_TYPE_PATTERN,
  assertAppName,
  isAppName,
  isConfigKey,
  isProcessType,
  normalizeHostname,
  parseDynoName,
} from './names.js';
export { parseProcfile } from './procfile.js';
export type { ProcessTypes } from './procfile.js';
export type * from './resources.js';
export type * from './log-records.js';
export { EMPTY_ROUTE_TABLE } from './routes.js';
export type { AppRoute, AppRouteState, RouteBackend, RouteCertificate, RouteTable } from './routes.js';
export { LATENCY_BUCKETS_MS } from './router-report.js';
export type { AppRequestMetrics, RouterLogLine, RouterReport } from './router-report.js';
export { systemClock } from './clock.js';
export type { Clock, Random, TimerHandle } from './clock.js';
export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { DEFAULT_DYNO_SIZE, DEFAULT_DYNO_SIZES } from './dyno-sizes.js';
export type { DynoSize } from './dyno-sizes.js';
export {
  ATTACH_FRAME,
  ATTACH_PROTOCOL,
  ATTACH_SIGNALS,
  MAX_ATTACH_FRAME_BYTES,
  createFrameDecoder,
  decodeExit,
  decodeResize,
  encodeDataFrames,
  encodeExitFrame,
  encodeFrame,
  encodeResizeFrame,
} from './attach-protocol.js';
export type { AttachFrame, AttachFrameType } from './attach-protocol.js';

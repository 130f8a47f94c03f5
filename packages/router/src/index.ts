export type { AccessLogSink, ListenTarget, Router, RouterOptions, RouterStats } from './types.js';
export { createRouter } from './router.js';
export type { RouterDeps } from './router.js';
export { DEFAULT_ROUTER_OPTIONS } from './options.js';
export { ROUTER_ERRORS } from './error-codes.js';
export type { RouterErrorCode } from './error-codes.js';
export { accessLineBound, formatAccessLine, writeAccessLineJson, writeAscii, writeJsonText } from './access-log.js';
export type { AccessRecord, RecordingAccessLogSink } from './access-log.js';

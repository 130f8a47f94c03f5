export type { AccessLogSink, Router, RouterOptions } from './types.js';

export { createControlPlane } from './control-plane.js';
export type { ControlPlane, ControlPlaneDeps } from './control-plane.js';
export type { ApiOptions, AppArtifacts, GcItem } from './context.js';
export { STATUS_BY_CODE } from './error-handler.js';
export type { PlatformCounters } from './platform-metrics.js';
export { RoutePublisher } from './route-publisher.js';
export type { RoutePublisherOptions, RouterInfo } from './route-publisher.js';

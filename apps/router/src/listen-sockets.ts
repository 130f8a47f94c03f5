import { PaasError } from '@paas/core';
import type { ListenTarget } from '@paas/router';

/** Where the router serves HTTP and (when on) HTTPS. */
export interface ListenPlan {
  http: ListenTarget;
  https: ListenTarget | undefined;
  /** The sockets came from systemd (socket activation): they outlive restarts of the service. */
  activated: boolean;
}

/** The first file descriptor systemd passes (SD_LISTEN_FDS_START). */
const FIRST_FD = 3;

/**
 * Socket activation as systemd does it (sd_listen_fds): `LISTEN_PID` names this process, `LISTEN_FDS`
 * counts the sockets from fd 3, `LISTEN_FDNAMES` names them. Sockets named `http`/`https` (the
 * `FileDescriptorName=` of paas-router.socket) are used as such; unnamed ones are taken in order, HTTP
 * first. Without activation the configured ports are bound (HTTPS also when only HTTP is activated).
 */
export function planListen(env: NodeJS.ProcessEnv, pid: number, ports: { port: number; tlsPort: number | undefined }): ListenPlan {
  const count = env.LISTEN_FDS === undefined ? 0 : Number(env.LISTEN_FDS);
  if (env.LISTEN_PID !== String(pid) || !Number.isInteger(count) || count <= 0) {
    return { http: ports.port, https: ports.tlsPort, activated: false };
  }
  const names = (env.LISTEN_FDNAMES ?? '').split(':');
  const fds = Array.from({ length: count }, (_, i) => ({ fd: FIRST_FD + i, name: names[i] ?? '' }));
  const named = (name: string) => fds.find((f) => f.name === name);
  const http = named('http') ?? fds[0]!;
  const https = named('https') ?? fds.find((f) => f !== http && f.name !== 'http');
  if (count > 2) {
    throw new PaasError('invalid_params', `systemd passed ${count} sockets; the router takes at most two (FileDescriptorName=http and https).`);
  }
  // HTTPS without a socket from systemd binds its port as usual.
  return { http: { fd: http.fd }, https: https === undefined ? ports.tlsPort : { fd: https.fd }, activated: true };
}

/** The plan as workers receive it in their environment (they must not read `LISTEN_*` themselves). */
export function encodePlan(plan: ListenPlan): string {
  return JSON.stringify(plan);
}

export function decodePlan(text: string): ListenPlan {
  const plan = JSON.parse(text) as ListenPlan;
  const ok = (t: unknown) => typeof t === 'number' || (typeof t === 'object' && t !== null && typeof (t as { fd: unknown }).fd === 'number');
  if (!ok(plan.http) || (plan.https !== undefined && plan.https !== null && !ok(plan.https))) throw new Error(`invalid listen plan: ${text}`);
  return { http: plan.http, https: plan.https ?? undefined, activated: plan.activated === true };
}

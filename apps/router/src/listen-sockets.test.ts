import { describe, expect, it } from 'vitest';
import { decodePlan, encodePlan, planListen } from './listen-sockets.js';

const ports = { port: 80, tlsPort: 443 };

describe('planListen (systemd socket activation)', () => {
  it('binds the configured ports without activation, or when LISTEN_PID names another process', () => {
    expect(planListen({}, 42, ports)).toEqual({ http: 80, https: 443, activated: false });
    expect(planListen({ LISTEN_PID: '41', LISTEN_FDS: '1' }, 42, ports)).toEqual({ http: 80, https: 443, activated: false });
    expect(planListen({}, 42, { port: 8080, tlsPort: undefined })).toEqual({ http: 8080, https: undefined, activated: false });
  });

  it('takes named sockets by name, unnamed ones in order', () => {
    expect(planListen({ LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'https:http' }, 42, ports)).toEqual({ http: { fd: 4 }, https: { fd: 3 }, activated: true });
    expect(planListen({ LISTEN_PID: '42', LISTEN_FDS: '2' }, 42, ports)).toEqual({ http: { fd: 3 }, https: { fd: 4 }, activated: true });
    expect(planListen({ LISTEN_PID: '42', LISTEN_FDS: '1', LISTEN_FDNAMES: 'http' }, 42, ports)).toEqual({ http: { fd: 3 }, https: 443, activated: true });
    expect(planListen({ LISTEN_PID: '42', LISTEN_FDS: '1' }, 42, { port: 80, tlsPort: undefined })).toEqual({ http: { fd: 3 }, https: undefined, activated: true });
  });

  it('refuses more sockets than it can use', () => {
    expect(() => planListen({ LISTEN_PID: '42', LISTEN_FDS: '3' }, 42, ports)).toThrow(/at most two/);
  });

  it('passes the plan to workers intact and rejects a damaged one', () => {
    const plan = planListen({ LISTEN_PID: '42', LISTEN_FDS: '2' }, 42, ports);
    expect(decodePlan(encodePlan(plan))).toEqual(plan);
    expect(decodePlan(encodePlan({ http: 80, https: undefined, activated: false }))).toEqual({ http: 80, https: undefined, activated: false });
    expect(() => decodePlan('{"http":"80"}')).toThrow(/invalid listen plan/);
  });
});

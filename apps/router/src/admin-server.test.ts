import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startAdminServer, type AdminServer } from './admin-server.js';

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startAdminServer', () => {
  let admin: AdminServer | undefined;
  afterEach(async () => {
    await admin?.close();
    admin = undefined;
  });

  it('serves /healthz and /metrics on loopback, and nothing else', async () => {
    const buckets = new Array<number>(15).fill(0);
    buckets[1] = 4;
    admin = await startAdminServer(
      { metrics: () => [{ app: 'a', statusClasses: [0, 4, 0, 0, 0], latencyBuckets: buckets, latencySumMs: 8 }], health: () => ({ tableVersion: 7 }) },
      0,
    );
    const health = await get(admin.port, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok', tableVersion: 7 });
    const metrics = await get(admin.port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(metrics.body).toContain('paas_router_requests_total{app="a",status_class="2xx"} 4\n');
    expect(metrics.body).toContain('paas_router_request_duration_ms_bucket{app="a",le="2.5"} 4\n');
    expect((await get(admin.port, '/other')).status).toBe(404);
    expect((await get(admin.port, '/metrics', 'POST')).status).toBe(405);
  });
});

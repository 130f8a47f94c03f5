import { createServer, type AddressInfo, type Server } from 'node:net';
import { systemClock } from '@paas/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTcpProbe } from './tcp-probe.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A port that refuses connections: bound once, then released. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

function listen(port: number, onData: (bytes: number) => void = () => {}): Promise<Server> {
  const s = createServer((socket) => socket.on('data', (d) => onData(d.length)).on('error', () => {}));
  servers.push(s);
  return new Promise((resolve) => s.listen(port, '127.0.0.1', () => resolve(s)));
}

describe('createTcpProbe', () => {
  it('succeeds once the port starts listening, without sending a byte', async () => {
    const port = await freePort();
    let connections = 0;
    let received = 0;
    // Listen only once the probe has been refused and is pausing before its next attempt.
    let refused!: () => void;
    const wasRefused = new Promise<void>((resolve) => (refused = resolve));
    const clock = { ...systemClock, setTimeout: (fn: () => void, ms: number) => (ms === 20 && refused(), systemClock.setTimeout(fn, ms)) };
    const probe = createTcpProbe({ clock, intervalMs: 20 });
    const waiting = probe.waitForPort('127.0.0.1', port, 5_000);
    await wasRefused;
    const server = await listen(port, (n) => (received += n));
    server.on('connection', () => connections++);
    expect(await waiting).toBe(true);
    expect(connections).toBeGreaterThanOrEqual(1);
    expect(received).toBe(0);
  });

  it('gives up at the deadline when nothing listens', async () => {
    const port = await freePort();
    const started = Date.now();
    expect(await createTcpProbe().waitForPort('127.0.0.1', port, 300)).toBe(false);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(2_000);
  });

  it('stops when its signal aborts', async () => {
    const port = await freePort();
    const ac = new AbortController();
    const waiting = createTcpProbe().waitForPort('127.0.0.1', port, 60_000, ac.signal);
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    expect(await waiting).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

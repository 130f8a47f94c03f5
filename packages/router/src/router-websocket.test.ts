import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { app, cleanupAfterEach, openRaw, parseLine, startBackend, startRouter, table, type TestBackend, type TestRouter } from './test-support.js';

const HOST = 'myapp.localhost';
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const handshake = (extra = '') =>
  `GET /socket HTTP/1.1\r\nHost: ${HOST}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;

/** A dyno that accepts WebSockets and echoes every byte back (no framing: bytes are bytes here). */
async function echoBackend(): Promise<TestBackend & { upgrades: string[][] }> {
  const upgrades: string[][] = [];
  const b = await startBackend((_req, res) => res.writeHead(400).end('not a websocket'));
  b.server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    upgrades.push(req.rawHeaders);
    if (req.url === '/refuse') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\nno way');
      return;
    }
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    if (head.length > 0) socket.write(head);
    socket.pipe(socket);
  });
  return Object.assign(b, { upgrades });
}

describe('router: WebSockets', () => {
  const defer = cleanupAfterEach();
  async function setup(): Promise<{ r: TestRouter; b: Awaited<ReturnType<typeof echoBackend>> }> {
    const b = await echoBackend();
    defer(() => b.close());
    const r = await startRouter(table(1, app('myapp', [HOST], [b.route()])));
    defer(() => r.close());
    return { r, b };
  }

  it('proxies the handshake and then bytes both ways', async () => {
    const { r, b } = await setup();
    const c = await openRaw(r.port);
    c.socket.write(handshake());
    const head = await c.waitFor((t) => t.includes('\r\n\r\n'));
    expect(head).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(head).toMatch(/\r\nUpgrade: websocket\r\n/i);
    expect(head).toMatch(/\r\nConnection: Upgrade\r\n/i);
    expect(head).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(head).toMatch(/\r\nX-Request-Id: [0-9a-f-]{36}\r\n/);
    const seen = b.upgrades[0]!.map((v, i) => (i % 2 === 0 ? v.toLowerCase() : v));
    expect(seen).toEqual(expect.arrayContaining(['host', HOST, 'upgrade', 'websocket', 'connection', 'Upgrade', 'x-forwarded-for', '127.0.0.1']));
    c.socket.write('ping-1');
    await c.waitFor((t) => t.endsWith('ping-1'));
    c.socket.write('ping-2');
    await c.waitFor((t) => t.endsWith('ping-1ping-2'));
    expect(parseLine(r.lines.at(-1)!.line)).toMatchObject({ at: 'info', status: '101', path: '/socket', dyno: 'web.1' });
    c.socket.end();
    await c.closed;
  });

  it('passes bytes the client sent right after the handshake', async () => {
    const { r } = await setup();
    const c = await openRaw(r.port);
    c.socket.write(`${handshake()}early`);
    await c.waitFor((t) => t.endsWith('\r\n\r\nearly'));
    c.socket.destroy();
  });

  it("relays a dyno's refusal and closes", async () => {
    const { r } = await setup();
    const c = await openRaw(r.port);
    c.socket.write(handshake().replace('/socket', '/refuse'));
    await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(c.received()).toContain('no way');
    expect(parseLine(r.lines.at(-1)!.line)).toMatchObject({ status: '403' });
  });

  it('answers WebSockets for unknown hosts with 404', async () => {
    const { r } = await setup();
    const c = await openRaw(r.port);
    c.socket.write(handshake().replace(`Host: ${HOST}`, 'Host: nope.example.com'));
    await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 404 /);
  });

  it('closes tunnels when the router closes', async () => {
    const { r } = await setup();
    const c = await openRaw(r.port);
    c.socket.write(handshake());
    await c.waitFor((t) => t.includes('\r\n\r\n'));
    await r.close();
    await c.closed;
  });
});

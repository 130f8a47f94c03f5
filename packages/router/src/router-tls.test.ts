import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import type { RouteCertificate, RouteTable } from '@paas/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { app, parseLine, startBackend, startRouter, table, waitFor, type TestBackend, type TestRouter } from './test-support.js';

let dir: string;
const pems = new Map<string, { certPem: string; keyPem: string }>();

/** A self-signed certificate for `names` (the first is the subject's CN), made with the openssl CLI. */
function certificate(id: string, names: string[]): { certPem: string; keyPem: string } {
  const key = join(dir, `${id}.key`);
  const cert = join(dir, `${id}.crt`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', key, '-out', cert, '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
  ], { stdio: 'ignore' });
  return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
}

function cert(id: string, appName: string, hosts: string[]): RouteCertificate {
  return { id, app: appName, hosts, ...pems.get(id)! };
}

/** Opens a TLS connection; resolves with the socket and the CN of the certificate served. */
function handshake(port: number, servername: string | undefined): Promise<{ socket: TLSSocket; cn: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername === undefined ? {} : { servername }) });
    socket.once('secureConnect', () => resolve({ socket, cn: String(socket.getPeerCertificate().subject?.CN) }));
    socket.once('error', reject);
  });
}

/** One request over a fresh TLS connection; the raw response text. */
async function httpsGet(port: number, servername: string, host = servername): Promise<{ cn: string; text: string }> {
  const { socket, cn } = await handshake(port, servername);
  const text = await new Promise<string>((resolve) => {
    let buf = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (buf += d));
    socket.on('close', () => resolve(buf));
    socket.write(`GET /tls HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
  return { cn, text };
}

describe('router: TLS', () => {
  const cleanup: (() => Promise<void>)[] = [];
  let backend: TestBackend;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paas-router-tls-'));
    pems.set('exact', certificate('exact', ['www.example.com']));
    pems.set('wild', certificate('wild', ['*.example.com']));
    pems.set('api-wild', certificate('api-wild', ['*.api.example.com']));
    pems.set('other', certificate('other', ['other.test']));
    backend = await startBackend((req, res) => {
      req.resume();
      res.end(JSON.stringify(req.headers));
    });
  });
  afterAll(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function router(t: RouteTable): Promise<TestRouter> {
    const r = await startRouter(t, {}, { tls: true });
    cleanup.push(() => r.close());
    return r;
  }
  const routes = (certificates: RouteCertificate[], version = 1): RouteTable => ({
    ...table(version, app('site', ['www.example.com', '*.example.com', '*.api.example.com', 'other.test'], [backend.route()])),
    certificates,
  });

  it('picks the certificate by server name: exact first, then the most specific wildcard', async () => {
    const r = await router(routes([cert('wild', 'site', ['*.example.com']), cert('exact', 'site', ['www.example.com']), cert('api-wild', 'site', ['*.api.example.com'])]));
    const served = async (name: string) => {
      const { socket, cn } = await handshake(r.tlsPort, name);
      socket.destroy();
      return cn;
    };
    expect(await served('www.example.com')).toBe('www.example.com');
    expect(await served('WWW.Example.com')).toBe('www.example.com');
    expect(await served('shop.example.com')).toBe('*.example.com');
    expect(await served('v1.api.example.com')).toBe('*.api.example.com');
  });

  it('fails the handshake for a name without a certificate, and without a name', async () => {
    const r = await router(routes([cert('exact', 'site', ['www.example.com'])]));
    await expect(handshake(r.tlsPort, 'unknown.test')).rejects.toThrow();
    await expect(handshake(r.tlsPort, undefined)).rejects.toThrow();
    // The listener keeps serving.
    const { socket } = await handshake(r.tlsPort, 'www.example.com');
    socket.destroy();
  });

  it('forwards X-Forwarded-Proto https and the TLS port, and logs protocol=https', async () => {
    const r = await router(routes([cert('exact', 'site', ['www.example.com'])]));
    const { text } = await httpsGet(r.tlsPort, 'www.example.com');
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    const seen = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Record<string, string>;
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen['x-forwarded-port']).toBe(String(r.tlsPort));
    expect(seen.host).toBe('www.example.com');
    expect(parseLine(r.lines.at(-1)!.line)).toMatchObject({ protocol: 'https', status: '200', path: '/tls' });
  });

  it('swaps certificates with the table, and skips an unusable one with a warning', async () => {
    const r = await router(routes([cert('exact', 'site', ['www.example.com'])]));
    expect((await httpsGet(r.tlsPort, 'www.example.com')).cn).toBe('www.example.com');
    const broken: RouteCertificate = { id: 'broken', app: 'site', hosts: ['broken.example.com'], certPem: 'not a certificate', keyPem: 'nor a key' };
    // The same host now gets the wildcard certificate; other.test gets one; www's own is gone.
    await r.router.applyTable(routes([cert('wild', 'site', ['*.example.com']), cert('other', 'site', ['other.test']), broken], 2));
    expect((await httpsGet(r.tlsPort, 'www.example.com')).cn).toBe('*.example.com');
    expect((await httpsGet(r.tlsPort, 'other.test')).cn).toBe('other.test');
    expect(r.logger.entries.some((e) => e.level === 'warn' && e.msg?.includes('certificate broken is unusable'))).toBe(true);
    await r.router.applyTable(routes([], 3));
    await expect(handshake(r.tlsPort, 'www.example.com')).rejects.toThrow();
  });

  it('tunnels WebSockets over TLS with X-Forwarded-Proto https', async () => {
    const ws = await startBackend((_req, res) => res.writeHead(400).end());
    cleanup.push(() => ws.close());
    let proto: string | undefined;
    ws.server.on('upgrade', (req, socket: Socket) => {
      proto = req.headers['x-forwarded-proto'] as string;
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.pipe(socket);
    });
    const r = await router({ ...table(1, app('ws', ['www.example.com'], [ws.route()])), certificates: [cert('exact', 'ws', ['www.example.com'])] });
    const { socket } = await handshake(r.tlsPort, 'www.example.com');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.write('GET /ws HTTP/1.1\r\nHost: www.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    await waitFor(() => text.includes('\r\n\r\n'));
    expect(text).toMatch(/^HTTP\/1\.1 101 /);
    socket.write('over tls');
    await waitFor(() => text.endsWith('over tls'));
    expect(proto).toBe('https');
    socket.destroy();
  });
});

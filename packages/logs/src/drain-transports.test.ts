import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDrainUrl } from './drain-url.js';
import { createHttpTransport } from './http-transport.js';
import { createSyslogTransport } from './syslog-transport.js';

/** Reads RFC 6587 octet-counted frames from a byte stream. */
function parseOctetFrames(data: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < data.length) {
    const sp = data.indexOf(32, at);
    const len = Number(data.toString('latin1', at, sp));
    out.push(data.toString('utf8', sp + 1, sp + 1 + len));
    at = sp + 1 + len;
  }
  return out;
}

function listen(server: Server | HttpsServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

describe('syslog drain transport', () => {
  it('writes octet-counted frames over TCP, fails while the receiver is down, and reconnects later', async () => {
    let received = Buffer.alloc(0);
    const sockets = new Set<Socket>();
    const server = createServer((s) => {
      sockets.add(s);
      s.on('data', (c: Buffer) => (received = Buffer.concat([received, c])));
    });
    const port = await listen(server);
    const transport = createSyslogTransport(parseDrainUrl(`syslog://127.0.0.1:${port}`));
    expect(await transport.deliver(['<190>1 t h app web.1 - - héllo', 'second'])).toBe('ok');
    await expect.poll(() => parseOctetFrames(received)).toEqual(['<190>1 t h app web.1 - - héllo', 'second']);

    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    await expect(async () => {
      for (let i = 0; i < 50; i++) await transport.deliver(['lost']);
    }).rejects.toThrow();

    received = Buffer.alloc(0);
    const again = createServer((s) => s.on('data', (c: Buffer) => (received = Buffer.concat([received, c]))));
    await new Promise<void>((resolve) => again.listen(port, '127.0.0.1', resolve));
    expect(await transport.deliver(['back'])).toBe('ok');
    await expect.poll(() => parseOctetFrames(received)).toEqual(['back']);
    transport.close();
    await new Promise((r) => again.close(r));
  });
});

describe('HTTPS drain transport', () => {
  let dir: string;
  let cert: string;
  let key: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'paas-drain-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('POSTs a logplex batch with its headers, trusting the given CA; refuses an untrusted certificate', async () => {
    const requests: { headers: Record<string, unknown>; body: Buffer; url: string }[] = [];
    let status = 200;
    const server = createHttpsServer({ cert, key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ headers: req.headers, body: Buffer.concat(chunks), url: req.url ?? '' });
        res.statusCode = status;
        res.end();
      });
    });
    const port = await listen(server);
    const target = parseDrainUrl(`https://user:pa%3Ass@127.0.0.1:${port}/logs?x=1`);

    const untrusted = createHttpTransport(target, 'd.tok');
    await expect(untrusted.deliver(['x'])).rejects.toThrow(/self-signed|certificate/i);
    untrusted.close();

    const transport = createHttpTransport(target, 'd.tok', { ca: cert });
    expect(await transport.deliver(['one', 'twö'])).toBe('ok');
    expect(requests[0]!.url).toBe('/logs?x=1');
    expect(requests[0]!.headers).toMatchObject({
      'content-type': 'application/logplex-1',
      'logplex-msg-count': '2',
      'logplex-drain-token': 'd.tok',
      authorization: `Basic ${Buffer.from('user:pa:ss').toString('base64')}`,
    });
    expect(requests[0]!.headers['logplex-frame-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(parseOctetFrames(requests[0]!.body)).toEqual(['one', 'twö']);

    status = 503;
    await expect(transport.deliver(['retry me'])).rejects.toThrow(/503/);
    status = 400;
    expect(await transport.deliver(['never valid'])).toBe('rejected');
    transport.close();
    await new Promise((r) => server.close(r));
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

/** Splits RFC 6587 octet-counted frames (`LEN SP MSG`), keeping an unfinished frame for later. */
export class OctetFrames {
  private pending = Buffer.alloc(0);
  readonly messages: string[] = [];

  push(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      const sp = this.pending.indexOf(32);
      if (sp < 0) return;
      const len = Number(this.pending.toString('latin1', 0, sp));
      if (!Number.isInteger(len) || this.pending.length < sp + 1 + len) return;
      this.messages.push(this.pending.toString('utf8', sp + 1, sp + 1 + len));
      this.pending = this.pending.subarray(sp + 1 + len);
    }
  }
}

/** A syslog receiver on TCP (the test starts, stops and restarts it). */
export class SyslogReceiver {
  readonly frames = new OctetFrames();
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(port = 0): Promise<this> {
    const server = createServer((s) => {
      this.sockets.add(s);
      s.on('data', (c: Buffer) => this.frames.push(c));
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** Closes the listener and every connection, as a receiver that goes down. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
    this.server = undefined;
  }
}

/** A self-signed certificate for 127.0.0.1, written to `dir`. */
export function selfSignedCert(dir: string): { certFile: string; cert: string; key: string } {
  const certFile = join(dir, 'drain-cert.pem');
  const keyFile = join(dir, 'drain-key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { certFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** An HTTPS receiver of logplex batches; records each POST's headers and frames. */
export class HttpsReceiver {
  readonly messages: string[] = [];
  readonly requests: { headers: Record<string, string | string[] | undefined>; count: number }[] = [];
  private server: HttpsServer | undefined;
  port = 0;

  constructor(private readonly tls: { cert: string; key: string }) {}

  async start(): Promise<this> {
    const server = createHttpsServer(this.tls, (req, res) => {
      const frames = new OctetFrames();
      req.on('data', (c: Buffer) => frames.push(c));
      req.on('end', () => {
        this.messages.push(...frames.messages);
        this.requests.push({ headers: req.headers, count: frames.messages.length });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}

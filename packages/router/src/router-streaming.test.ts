import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { app, cleanupAfterEach, parseLine, startBackend, startRouter, table, waitFor, type TestRouter } from './test-support.js';

const HOST = 'myapp.localhost';

describe('router: streaming', () => {
  const defer = cleanupAfterEach();
  async function setup(handler: Parameters<typeof startBackend>[0]): Promise<TestRouter> {
    const b = await startBackend(handler);
    defer(() => b.close());
    const r = await startRouter(table(1, app('myapp', [HOST], [b.route()])));
    defer(() => r.close());
    return r;
  }

  it('delivers server-sent events one by one, headers before the first event', async () => {
    const send: ((s: string) => void)[] = [];
    let end: (() => void) | undefined;
    const r = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      send.push((s) => res.write(s));
      end = () => res.end();
    });
    const received: string[] = [];
    let headersAt = -1;
    let ended = false;
    const req = request({ host: '127.0.0.1', port: r.port, path: '/events', headers: { host: HOST }, agent: false }, (res) => {
      headersAt = received.length;
      res.setEncoding('utf8');
      res.on('data', (d: string) => received.push(d));
      res.on('end', () => (ended = true));
    });
    req.end();
    await waitFor(() => headersAt === 0 && send.length === 1);
    for (let i = 1; i <= 3; i++) {
      send[0]!(`data: ${i}\n\n`);
      await waitFor(() => received.join('') === Array.from({ length: i }, (_, k) => `data: ${k + 1}\n\n`).join(''));
      expect(ended).toBe(false);
    }
    end!();
    await waitFor(() => ended);
    expect(parseLine(r.lines.at(-1)!.line)).toMatchObject({ at: 'info', status: '200', bytes: '27', path: '/events' });
  });

  it('streams a large upload through, and backpressure reaches the client', async () => {
    let resumeBackend: (() => void) | undefined;
    const r = await setup((req, res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      req.pause();
      resumeBackend = () => {
        req.on('data', (c: Buffer) => {
          bytes += c.length;
          hash.update(c);
        });
        req.resume();
      };
      req.on('end', () => res.end(`${bytes} ${hash.digest('hex')}`));
    });
    const total = 64 * 1024 * 1024;
    // Varied bytes: a piece of the body that the router kept as a view of its read buffer, rather
    // than copied, would arrive overwritten by later reads.
    const chunk = randomBytes(256 * 1024 + 13);
    const expected = createHash('sha256');
    let written = 0;
    let blocked = false;
    const answer = new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: r.port, method: 'PUT', path: '/upload', headers: { host: HOST }, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      const pump = () => {
        blocked = false;
        while (written < total) {
          expected.update(chunk);
          written += chunk.length;
          if (!req.write(chunk)) {
            blocked = true;
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      req.on('socket', () => pump());
    });
    await waitFor(() => resumeBackend !== undefined && blocked);
    // While the dyno reads nothing, the client stays blocked once the socket buffers on the way are
    // full. Showing that nothing more gets through needs a window of time.
    let last = -1;
    for (let i = 0; i < 20 && written !== last; i++) {
      last = written;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(blocked).toBe(true);
    expect(written).toBeLessThan(total / 2);
    resumeBackend!();
    expect(await answer).toBe(`${written} ${expected.digest('hex')}`);
  });

  it('streams a large chunked download intact', async () => {
    const piece = Buffer.alloc(64 * 1024, 'x');
    const r = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let n = 0;
      const write = () => {
        while (n < 160) {
          n++;
          if (!res.write(piece)) return void res.once('drain', write);
        }
        res.end();
      };
      write();
    });
    const size = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: r.port, headers: { host: HOST }, agent: false }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => resolve(n));
        res.on('error', reject);
      }).end();
    });
    expect(size).toBe(160 * 64 * 1024);
    expect(parseLine(r.lines.at(-1)!.line).bytes).toBe(String(160 * 64 * 1024));
  });

  it('delivers downloads byte for byte while a slow client waits and another one reads', async () => {
    // Every piece differs, and the two downloads differ, so bytes read for one and sent to the other show.
    const content = (seed: number) => Array.from({ length: 400 }, (_, i) => Buffer.alloc(40_000 + i, (seed + i) % 256));
    const digestOf = (pieces: Buffer[]) => pieces.reduce((h, p) => h.update(p), createHash('sha256')).digest('hex');
    const r = await setup((req, res) => {
      const pieces = content(req.url === '/slow' ? 1 : 101);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let n = 0;
      const write = () => {
        while (n < pieces.length) {
          if (!res.write(pieces[n++])) return void res.once('drain', write);
        }
        res.end();
      };
      write();
    });
    const download = (path: string, gate?: Promise<void>) =>
      new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port: r.port, path, headers: { host: HOST }, agent: false }, (res) => {
          const hash = createHash('sha256');
          res.on('data', (c: Buffer) => hash.update(c));
          res.on('end', () => resolve(hash.digest('hex')));
          res.on('error', reject);
          if (gate !== undefined) {
            res.pause();
            void gate.then(() => res.resume());
          }
        }).end();
      });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // The slow client reads nothing until the router holds bytes for it that it could not send.
    const slow = download('/slow', gate);
    await waitFor(() => r.router.stats().waitingForClients === 1, 10_000);
    expect(await download('/fast')).toBe(digestOf(content(101)));
    open();
    expect(await slow).toBe(digestOf(content(1)));
  });
});

import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Opens a WebSocket through the router with a raw socket, sends `text` masked, returns the first reply. */
export function websocketEcho(port: number, host: string, text: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = netConnect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('websocket echo timed out'));
    }, timeoutMs);
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    socket.on('connect', () => {
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString();
        if (!head.startsWith('HTTP/1.1 101')) {
          clearTimeout(timer);
          socket.destroy();
          return reject(new Error(`no upgrade: ${head.split('\r\n')[0]}`));
        }
        upgraded = true;
        buffer = buffer.subarray(end + 4);
        const payload = Buffer.from(text);
        const mask = randomBytes(4);
        socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]));
      }
      if (upgraded && buffer.length >= 2 && buffer.length >= 2 + (buffer[1]! & 0x7f)) {
        clearTimeout(timer);
        const reply = buffer.subarray(2, 2 + (buffer[1]! & 0x7f)).toString();
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Reads a streamed response, noting when each chunk arrived (ms after the request) and when it ended. */
export function timedChunks(port: number, host: string, path: string): Promise<{ status: number; chunks: { at: number; text: string }[]; endedAt: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      const chunks: { at: number; text: string }[] = [];
      res.on('data', (c: Buffer) => chunks.push({ at: performance.now() - start, text: c.toString() }));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, chunks, endedAt: performance.now() - start }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** An HTTPS request to the router's TLS port, with SNI `servername`, trusting `ca`. */
export function httpsGet(port: number, servername: string, path: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername, ca, headers: { host: servername }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

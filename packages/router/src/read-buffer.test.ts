import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { owned, READ_BUFFER, readShared, replaceReadCallback } from './read-buffer.js';
import { UpstreamConnection, type UpstreamHandler } from './upstream-connection.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

function listen(onSocket: (socket: Socket) => void): Promise<number> {
  server = createServer(onSocket);
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve((server!.address() as { port: number }).port)));
}

describe('shared reads', () => {
  it('make accepted sockets read into the shared buffer, with pause, resume and end as usual', async () => {
    const reads: string[] = [];
    let ended = false;
    let accepted: Socket | undefined;
    const port = await listen((socket) => {
      accepted = socket;
      expect(
        readShared(socket, (n) => {
          reads.push(READ_BUFFER.toString('latin1', 0, n));
          return true;
        }),
      ).toBe(true);
      // Not twice.
      expect(readShared(socket, () => true)).toBe(false);
      socket.on('end', () => (ended = true));
    });
    const client = connect(port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    client.write('one');
    await until(() => reads.join('') === 'one');
    accepted!.pause();
    client.write('two');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads.join('')).toBe('one');
    accepted!.resume();
    await until(() => reads.join('') === 'onetwo');
    const forwarded: string[] = [];
    expect(
      replaceReadCallback(accepted!, (n) => {
        forwarded.push(READ_BUFFER.toString('latin1', 0, n));
        return true;
      }),
    ).toBe(true);
    client.end('three');
    await until(() => ended);
    expect(forwarded.join('')).toBe('three');
    accepted!.destroy();
  });

  it('copy only views of the shared buffer', () => {
    const view = READ_BUFFER.subarray(0, 4);
    expect(owned(view)).not.toBe(view);
    expect(owned(view).equals(view)).toBe(true);
    const other = Buffer.from('abcd');
    expect(owned(other)).toBe(other);
  });

  it('never leave a queued request body pointing into the shared buffer', async () => {
    let received = Buffer.alloc(0);
    let dyno: Socket | undefined;
    const port = await listen((socket) => {
      dyno = socket;
      socket.pause();
      socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    });
    const conn = new UpstreamConnection({ host: '127.0.0.1', port, forget: () => {} });
    const handler: UpstreamHandler = {
      onUpstreamConnect: () => {},
      onResponseHead: () => {},
      onResponseBody: () => {},
      onResponseEnd: () => {},
      onUpgrade: () => {},
      onUpstreamFailure: () => {},
      onReadEnd: () => {},
      onUpstreamDrain: () => {},
    };
    conn.begin(handler, '', false);
    await until(() => dyno !== undefined);
    // Pieces written while the dyno reads nothing queue up in the socket; the shared buffer is
    // overwritten after each, as the next read would.
    const expected: Buffer[] = [];
    let queued = 0;
    for (let i = 0; i < 400; i++) {
      const piece = READ_BUFFER.subarray(0, 32 * 1024 + i);
      piece.fill(i & 0xff);
      expected.push(Buffer.from(piece));
      if (!conn.writeBody(piece, i % 2 === 0)) queued++;
    }
    READ_BUFFER.fill(0xee);
    // More than the kernel's socket buffers take: most pieces waited in the socket.
    expect(queued).toBeGreaterThan(100);
    const framed = expected.map((p, i) => (i % 2 === 0 ? Buffer.concat([Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]) : p));
    const total = Buffer.concat(framed);
    dyno!.resume();
    await until(() => received.length >= total.length);
    expect(received.equals(total)).toBe(true);
    conn.destroy();
    dyno!.destroy();
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}

import { request } from 'node:http';
import type { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import {
  ATTACH_FRAME,
  ATTACH_PROTOCOL,
  createFrameDecoder,
  decodeExit,
  encodeFrame,
  encodeResizeFrame,
  type AttachFrame,
  type Dyno,
} from '@paas/core';
import { FakeClock } from '@paas/core/testing';
import { auth, setupDynos, TOKEN, type Fixture } from './dynos.harness.js';

type Upgraded = { socket: Socket; frames: AttachFrame[]; closed: Promise<void> };
type Refused = { status: number; body: { id: string; message: string } };

async function listen(f: Fixture): Promise<number> {
  await f.plane.api.listen({ host: '127.0.0.1', port: 0 });
  return (f.plane.api.server.address() as { port: number }).port;
}

/** The client half of `paas-attach/1`, by hand: upgrade, then collect frames. */
function upgrade(port: number, path: string, headers: Record<string, string> = { ...auth, connection: 'Upgrade', upgrade: ATTACH_PROTOCOL }): Promise<Upgraded | Refused> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false });
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      const frames: AttachFrame[] = [];
      const decode = createFrameDecoder((frame) => frames.push(frame));
      if (head.length > 0) decode(head);
      socket.on('data', decode);
      const closed = new Promise<void>((done) => socket.on('close', () => done()));
      resolve({ socket, frames, closed });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function start(f: Fixture, payload: object = { command: 'bash', attach: true }): Promise<Dyno> {
  const res = await f.plane.api.inject({ method: 'POST', url: '/apps/shop/dynos', headers: auth, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Dyno>();
}

const text = (frames: AttachFrame[], type: number) =>
  frames
    .filter((f) => f.type === type)
    .map((f) => f.payload.toString())
    .join('');

describe('one-off dynos through the API', () => {
  it('starts run.N from the current release with its config, and a TTY unless told otherwise', async () => {
    const f = setupDynos();
    const dyno = await start(f, { command: 'rails console', attach: true, env: { TERM: 'xterm', COLUMNS: '120' }, size: 'Standard-1X', time_to_live: 60 });
    expect(dyno).toMatchObject({ name: 'run.1', type: 'run', attach_url: '/apps/shop/dynos/c0ffee1/attach' });
    expect(f.oneOffs[0]!.request).toMatchObject({
      command: 'rails console',
      type: 'run',
      size: 'standard-1x',
      attach: { tty: true },
      env: { TERM: 'xterm', COLUMNS: '120' },
      timeoutMs: 60_000,
      spec: { app: { name: 'shop' }, env: { GREETING: 'hi' }, release: { version: 1, image: 'paas-slug/shop:abc' } },
    });
    const piped = await start(f, { command: 'cat', attach: true, force_no_tty: true });
    expect(f.oneOffs[1]!.request.attach).toEqual({ tty: false });
    expect(piped.name).toBe('run.2');
    const detached = await start(f, { command: 'rake cleanup' });
    expect(detached.attach_url).toBeNull();
    expect(f.oneOffs[2]!.request.attach).toBeUndefined();
  });

  it('refuses bad requests before starting anything', async () => {
    const f = setupDynos();
    f.store.createApp('empty');
    const cases: [string, object, string][] = [
      ['/apps/shop/dynos', { command: '' }, 'invalid_params'],
      ['/apps/shop/dynos', { command: 'x', size: 'huge' }, 'invalid_params'],
      ['/apps/shop/dynos', { command: 'x', env: { 'BAD-KEY': '1' } }, 'invalid_params'],
      ['/apps/shop/dynos', { command: 'x', time_to_live: 0 }, 'invalid_params'],
      ['/apps/shop/dynos', { command: 'x', surprise: 1 }, 'invalid_params'],
      ['/apps/empty/dynos', { command: 'x' }, 'no_release'],
    ];
    for (const [url, payload, id] of cases) {
      const res = await f.plane.api.inject({ method: 'POST', url, headers: auth, payload });
      expect(res.json().id, JSON.stringify(payload)).toBe(id);
    }
    expect(f.oneOffs).toEqual([]);
  });

  it('relays output kept from before the attach, then stdin, resizes and signals, then the exit status', async () => {
    const f = setupDynos();
    const port = await listen(f);
    const dyno = await start(f);
    const fake = f.oneOffs[0]!;
    fake.emit('stdout', 'early ');
    fake.emit('stderr', 'warning\n');
    const attached = (await upgrade(port, dyno.attach_url!)) as Upgraded;
    expect(attached.socket).toBeDefined();
    await vi.waitFor(() => expect(text(attached.frames, ATTACH_FRAME.stderr)).toBe('warning\n'));
    fake.emit('stdout', 'late');
    await vi.waitFor(() => expect(text(attached.frames, ATTACH_FRAME.stdout)).toBe('early late'));

    attached.socket.write(Buffer.concat([encodeFrame(ATTACH_FRAME.stdin, Buffer.from('puts 1\n')), encodeResizeFrame(100, 30)]));
    attached.socket.write(encodeFrame(ATTACH_FRAME.signal, Buffer.from('SIGINT')));
    attached.socket.write(encodeFrame(ATTACH_FRAME.stdinEnd));
    await vi.waitFor(() => expect(fake.stdinEnded).toBe(true));
    expect(fake.input.join('')).toBe('puts 1\n');
    expect(fake.resizes).toEqual([[100, 30]]);
    expect(fake.signals).toEqual(['SIGINT']);

    fake.exit(3);
    await attached.closed;
    const last = attached.frames.at(-1)!;
    expect(last.type).toBe(ATTACH_FRAME.exit);
    expect(decodeExit(last.payload)).toBe(3);
  });

  it('delivers the output and exit of a process that ended before the client attached', async () => {
    const f = setupDynos();
    const port = await listen(f);
    const dyno = await start(f);
    f.oneOffs[0]!.emit('stdout', 'done\n');
    f.oneOffs[0]!.exit(0);
    await new Promise((r) => setImmediate(r));
    const attached = (await upgrade(port, dyno.attach_url!)) as Upgraded;
    await attached.closed;
    expect(text(attached.frames, ATTACH_FRAME.stdout)).toBe('done\n');
    expect(decodeExit(attached.frames.at(-1)!.payload)).toBe(0);
  });

  it('answers a plain HTTP error to an attach without the token, without the upgrade, to the wrong dyno, or a second time', async () => {
    const f = setupDynos();
    const port = await listen(f);
    const dyno = await start(f);
    const upgradeHeaders = { connection: 'Upgrade', upgrade: ATTACH_PROTOCOL };
    expect(await upgrade(port, dyno.attach_url!, { ...upgradeHeaders, authorization: 'Bearer wrong' })).toMatchObject({ status: 401, body: { id: 'unauthorized' } });
    expect(await upgrade(port, dyno.attach_url!, { authorization: `Bearer ${TOKEN}` })).toMatchObject({ status: 422, body: { id: 'invalid_params' } });
    expect(await upgrade(port, '/apps/shop/dynos/nope/attach')).toMatchObject({ status: 404, body: { id: 'dyno_not_found' } });
    const first = (await upgrade(port, dyno.attach_url!)) as Upgraded;
    expect(first.socket).toBeDefined();
    expect(await upgrade(port, dyno.attach_url!)).toMatchObject({ status: 409, body: { id: 'conflict' } });
    first.socket.destroy();
  });

  it('hangs the process up when the client goes away, and kills it if it lingers', async () => {
    const clock = new FakeClock();
    const f = setupDynos({ clock });
    const port = await listen(f);
    const dyno = await start(f);
    const attached = (await upgrade(port, dyno.attach_url!)) as Upgraded;
    attached.socket.destroy();
    await vi.waitFor(() => expect(f.oneOffs[0]!.signals).toEqual(['SIGHUP']));
    clock.advance(10_000);
    expect(f.oneOffs[0]!.signals).toEqual(['SIGHUP', 'SIGKILL']);
  });

  it('kills an attached run nobody connects to in time', async () => {
    const clock = new FakeClock();
    const f = setupDynos({ clock });
    await start(f);
    clock.advance(29_000);
    expect(f.oneOffs[0]!.signals).toEqual([]);
    clock.advance(1_000);
    expect(f.oneOffs[0]!.signals).toEqual(['SIGKILL']);
  });
});

import { FakeClock } from '@paas/core/testing';
import { describe, expect, it } from 'vitest';
import { FakeRuntime } from './testing.js';
import type { ContainerEvent, ContainerSpec } from './types.js';

const spec = (name: string): ContainerSpec => ({ name, image: 'img', cmd: ['run'], env: {}, labels: { app: 'a' }, network: 'net' });

describe('FakeRuntime', () => {
  it('stamps containers with the injected clock and keeps their command', async () => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const rt = new FakeRuntime({ clock });
    const id = await rt.createContainer(spec('one'));
    clock.advance(5_000);
    await rt.startContainer(id);
    const info = (await rt.inspectContainer(id))!;
    expect([info.createdAt.getTime(), info.startedAt?.getTime(), info.cmd]).toEqual([Date.UTC(2030, 0, 1), Date.UTC(2030, 0, 1, 0, 0, 5), ['run']]);
  });

  it('exits with 128 + the signal number when killed', async () => {
    const rt = new FakeRuntime();
    const a = await rt.createContainer(spec('a'));
    const b = await rt.createContainer(spec('b'));
    await rt.startContainer(a);
    await rt.startContainer(b);
    await rt.killContainer(a, 'SIGTERM');
    await rt.killContainer(b);
    expect([(await rt.waitContainer(a)).exitCode, (await rt.waitContainer(b)).exitCode]).toEqual([143, 137]);
  });

  it('refuses to remove a running container without force, as Docker does', async () => {
    const rt = new FakeRuntime();
    const id = await rt.createContainer(spec('a'));
    await rt.startContainer(id);
    await expect(rt.removeContainer(id)).rejects.toThrow(/without force/);
    await rt.removeContainer(id, { force: true });
    expect(rt.containers.size).toBe(0);
  });

  it('answers a wait on a container that is removed before it ever ran', async () => {
    const rt = new FakeRuntime();
    const id = await rt.createContainer(spec('a'));
    const waiting = rt.waitContainer(id);
    await rt.removeContainer(id);
    expect(await waiting).toEqual({ exitCode: 0 });
  });

  it('delivers events from the call on, and ends the streams on an engine restart with no exit events', async () => {
    const rt = new FakeRuntime();
    const ac = new AbortController();
    const stream = rt.events({ app: 'a' }, ac.signal);
    const id = await rt.createContainer(spec('a'));
    await rt.startContainer(id);
    const seen: ContainerEvent['type'][] = [];
    const done = (async () => {
      for await (const e of stream) seen.push(e.type);
    })();
    rt.restartEngine();
    await done;
    expect(seen).toEqual(['create', 'start']);
    expect((await rt.inspectContainer(id))).toMatchObject({ state: 'exited', exitCode: 143 });
  });

  it('fails to open an event stream while the engine is unavailable', () => {
    const rt = new FakeRuntime();
    rt.available = false;
    expect(() => rt.events({}, new AbortController().signal)).toThrow(/down/);
  });
});

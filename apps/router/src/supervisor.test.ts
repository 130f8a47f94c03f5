import { describe, expect, it } from 'vitest';
import { silentLogger } from '@paas/core';
import { FakeClock } from '@paas/core/testing';
import { Supervisor, type WorkerProcess } from './supervisor.js';

interface FakeWorker extends WorkerProcess {
  generation: number;
  stopped: boolean;
}

function setup(workers = 2) {
  const clock = new FakeClock();
  const spawned: FakeWorker[] = [];
  let nextId = 1;
  const supervisor = new Supervisor({
    spawn: (generation) => {
      const id = nextId++;
      const w: FakeWorker = {
        id,
        pid: 1000 + id,
        generation,
        stopped: false,
        stop: () => {
          w.stopped = true;
        },
      };
      spawned.push(w);
      return w;
    },
    workers,
    clock,
    logger: silentLogger,
    readyTimeoutMs: 5000,
    restartDelayMs: 1000,
  });
  const ofGeneration = (g: number) => spawned.filter((w) => w.generation === g);
  const readyAll = (g: number) => ofGeneration(g).forEach((w) => supervisor.ready(w.id));
  return { clock, spawned, supervisor, ofGeneration, readyAll };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('router Supervisor', () => {
  it('stops the old generation only once every new worker listens', async () => {
    const { supervisor, ofGeneration, readyAll } = setup(2);
    supervisor.start();
    readyAll(1);
    expect(supervisor.health()).toMatchObject({ workers: 2, generation: 1, reloading: false });

    const reload = supervisor.reload();
    expect(ofGeneration(2)).toHaveLength(2);
    supervisor.ready(ofGeneration(2)[0]!.id);
    await tick();
    expect(ofGeneration(1).some((w) => w.stopped)).toBe(false);
    supervisor.ready(ofGeneration(2)[1]!.id);
    expect(await reload).toBe('reloaded');
    expect(ofGeneration(1).every((w) => w.stopped)).toBe(true);
    expect(ofGeneration(2).some((w) => w.stopped)).toBe(false);
    expect(supervisor.health()).toMatchObject({ workers: 2, generation: 2, reloads: 1, pids: ofGeneration(2).map((w) => w.pid) });
  });

  it('keeps the old generation when the new one does not come up in time, or dies', async () => {
    const { clock, supervisor, ofGeneration, readyAll } = setup(1);
    supervisor.start();
    readyAll(1);

    const slow = supervisor.reload();
    await tick();
    clock.advance(4999);
    await tick();
    expect(ofGeneration(2)[0]!.stopped).toBe(false);
    clock.advance(1);
    expect(await slow).toBe('failed');
    expect(ofGeneration(2)[0]!.stopped).toBe(true);
    expect(ofGeneration(1)[0]!.stopped).toBe(false);
    supervisor.exited(ofGeneration(2)[0]!.id, 0, null);

    const dying = supervisor.reload();
    const [w] = ofGeneration(3);
    expect(ofGeneration(2)).toHaveLength(1);
    supervisor.exited(w!.id, 1, null);
    expect(await dying).toBe('failed');
    expect(ofGeneration(1)[0]!.stopped).toBe(false);
    expect(supervisor.health()).toMatchObject({ workers: 1, generation: 1, reloads: 0 });
    // A worker of the failed generation that exits late is not taken for a crash of the serving one.
    clock.advance(5000);
    expect(ofGeneration(1)).toHaveLength(1);
  });

  it('folds reloads asked for during a reload into one more', async () => {
    const { supervisor, ofGeneration, readyAll } = setup(1);
    supervisor.start();
    readyAll(1);
    const first = supervisor.reload();
    const second = supervisor.reload();
    const third = supervisor.reload();
    readyAll(2);
    await tick();
    expect(ofGeneration(3)).toHaveLength(1);
    expect(ofGeneration(4)).toHaveLength(0);
    readyAll(3);
    expect(await first).toBe('reloaded');
    expect(await second).toBe('reloaded');
    expect(await third).toBe('reloaded');
    expect(supervisor.health()).toMatchObject({ generation: 3, reloads: 2 });
  });

  it('replaces a crashed worker of the current generation after the restart delay, not a retired one', async () => {
    const { clock, spawned, supervisor, ofGeneration, readyAll } = setup(1);
    supervisor.start();
    readyAll(1);
    supervisor.exited(ofGeneration(1)[0]!.id, 1, null);
    expect(spawned).toHaveLength(1);
    clock.advance(999);
    expect(spawned).toHaveLength(1);
    clock.advance(1);
    expect(ofGeneration(1)).toHaveLength(2);
    readyAll(1);

    const reload = supervisor.reload();
    readyAll(2);
    await reload;
    const retired = ofGeneration(1)[1]!;
    supervisor.exited(retired.id, 0, null);
    clock.advance(5000);
    expect(ofGeneration(1)).toHaveLength(2);
    expect(supervisor.health().workers).toBe(1);
  });

  it('stop() stops every worker and resolves once all have exited', async () => {
    const { spawned, supervisor, readyAll } = setup(2);
    supervisor.start();
    readyAll(1);
    let stopped = false;
    const stopping = supervisor.stop().then(() => (stopped = true));
    expect(spawned.every((w) => w.stopped)).toBe(true);
    supervisor.exited(spawned[0]!.id, 0, null);
    await tick();
    expect(stopped).toBe(false);
    supervisor.exited(spawned[1]!.id, 0, null);
    await stopping;
    expect(await supervisor.reload()).toBe('stopping');
  });
});

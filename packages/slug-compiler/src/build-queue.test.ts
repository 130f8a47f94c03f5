import { describe, expect, it } from 'vitest';
import { createBuildQueue } from './build-queue.js';

/** Settles pending promise callbacks, so a test sees which acquisitions resolved. */
const flush = () => new Promise<void>((r) => setImmediate(r));

describe('createBuildQueue', () => {
  it('runs up to `concurrency` builds and queues the rest first come first served', async () => {
    const queue = createBuildQueue(2);
    const order: string[] = [];
    const waits: [string, number][] = [];
    const take = (name: string, key = name) =>
      queue.acquire(key, { onWait: (ahead) => waits.push([name, ahead]) }).then((slot) => (order.push(name), slot));

    const a = take('a');
    const b = take('b');
    const c = take('c');
    const d = take('d');
    await flush();
    expect(order).toEqual(['a', 'b']);
    expect(waits).toEqual([
      ['c', 2],
      ['d', 3],
    ]);
    expect(queue.queued()).toBe(2);
    expect(queue.running()).toBe(2);

    (await a).release();
    await flush();
    expect(order).toEqual(['a', 'b', 'c']);
    (await b).release();
    (await b).release(); // twice is harmless
    await flush();
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(queue.running()).toBe(2);
    (await c).release();
    (await d).release();
    expect(queue.running()).toBe(0);
  });

  it('never runs two builds of the same app at once, letting other apps pass meanwhile', async () => {
    const queue = createBuildQueue(2);
    const order: string[] = [];
    const first = await queue.acquire('app1');
    const second = queue.acquire('app1').then((s) => (order.push('app1#2'), s));
    const other = queue.acquire('app2').then((s) => (order.push('app2'), s));
    await flush();
    expect(order).toEqual(['app2']);
    first.release();
    await flush();
    expect(order).toEqual(['app2', 'app1#2']);
    (await second).release();
    (await other).release();
  });

  it('drops an aborted waiter from the queue', async () => {
    const queue = createBuildQueue(1);
    const slot = await queue.acquire('a');
    const controller = new AbortController();
    const waiting = queue.acquire('b', { signal: controller.signal });
    await flush();
    expect(queue.queued()).toBe(1);
    controller.abort(new Error('canceled'));
    await expect(waiting).rejects.toThrow('canceled');
    expect(queue.queued()).toBe(0);
    slot.release();
    expect(queue.running()).toBe(0);
  });

  it('refuses a non-positive concurrency', () => {
    expect(() => createBuildQueue(0)).toThrow(RangeError);
  });
});

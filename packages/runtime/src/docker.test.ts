import { isPaasError } from '@paas/core';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerRuntime } from './docker.js';
import { runContainer } from './run.js';
import type { ContainerEvent, ContainerSpec } from './types.js';

const STACK_IMAGE = process.env['PAAS_TEST_STACK_IMAGE'];
if (!STACK_IMAGE) {
  throw new Error('PAAS_TEST_STACK_IMAGE is not set: set it to the stack image tag (paas/stack:<hash>) to run the Docker integration tests');
}

const runtime = createDockerRuntime();
const RUN = `rt-test-${randomBytes(4).toString('hex')}`;
const labels = { 'paas.test': RUN };
const spec = (name: string, script: string): ContainerSpec => ({
  name: `${RUN}-${name}`,
  image: STACK_IMAGE,
  cmd: ['bash', '-c', script],
  env: {},
  labels,
});

beforeAll(async () => {
  await runtime.ping();
});

afterAll(async () => {
  for (const c of await runtime.listContainers(labels)) await runtime.removeContainer(c.id, { force: true });
});

describe('Docker runtime', () => {
  it('reports the real exit code when waiting starts before the container does', async () => {
    const id = await runtime.createContainer(spec('wait', 'sleep 0.3; exit 3'));
    const waiting = runtime.waitContainer(id);
    await runtime.startContainer(id);
    expect(await waiting).toEqual({ exitCode: 3 });
  });

  it('tags an image with another name, and removing that name leaves the image', async () => {
    const tag = `paas/${RUN}:current`;
    expect(await runtime.imageExists(tag)).toBe(false);
    await runtime.tagImage(STACK_IMAGE, tag);
    expect(await runtime.imageExists(tag)).toBe(true);
    await runtime.removeImage(tag);
    expect(await runtime.imageExists(tag)).toBe(false);
    expect(await runtime.imageExists(STACK_IMAGE)).toBe(true);
  });

  it('runs a container to completion with runContainer, output included', async () => {
    const out: string[] = [];
    const result = await runContainer(runtime, spec('run', 'echo hello; sleep 0.2; exit 4'), {
      onOutput: (_s, c) => out.push(c.toString()),
    });
    expect(result.exitCode).toBe(4);
    expect(out.join('')).toContain('hello');
  });

  it('refuses to remove a running container without force, and says conflict for a taken name', async () => {
    const id = await runtime.createContainer(spec('busy', 'sleep 30'));
    await runtime.startContainer(id);
    await expect(runtime.removeContainer(id)).rejects.toThrow(/running container/i);
    const taken = await runtime.createContainer(spec('busy', 'true')).catch((err: unknown) => err);
    expect(isPaasError(taken, 'conflict')).toBe(true);
    await runtime.removeContainer(id, { force: true });
    expect(await runtime.inspectContainer(id)).toBeUndefined();
  });

  it('streams die events with the exit code and the labels', async () => {
    const ac = new AbortController();
    const events: ContainerEvent[] = [];
    const stream = runtime.events(labels, ac.signal);
    const watching = (async () => {
      for await (const e of stream) {
        events.push(e);
        if (e.type === 'die') ac.abort();
      }
    })();
    // Events count from the call: a container started right after it is seen, however slow the subscription.
    const id = await runtime.createContainer(spec('events', 'exit 7'));
    await runtime.startContainer(id);
    await watching;
    const die = events.find((e) => e.type === 'die');
    expect(die).toMatchObject({ id, exitCode: 7, labels: { 'paas.test': RUN } });
    expect(events.map((e) => e.type)).toContain('start');
    const info = await runtime.inspectContainer(id);
    expect(info?.cmd).toEqual(['bash', '-c', 'exit 7']);
  });

  it('stops waiting when the wait is aborted, and resizes a TTY', async () => {
    const id = await runtime.createContainer({ ...spec('tty', 'sleep 0.5; stty size; sleep 30'), tty: true, openStdin: true });
    const attachment = await runtime.attachContainer(id, { stdin: true, tty: true });
    let out = '';
    attachment.onOutput((_s, c) => (out += c.toString()));
    await runtime.startContainer(id);
    await runtime.resizeContainer(id, { columns: 99, rows: 11 });
    const aborted = new AbortController();
    const waiting = runtime.waitContainer(id, { signal: aborted.signal });
    aborted.abort();
    await expect(waiting).rejects.toThrow();
    await expect.poll(() => out, { timeout: 5_000 }).toContain('11 99');
    await runtime.removeContainer(id, { force: true });
    // A container that is gone has nothing to resize: not an error.
    await runtime.resizeContainer(id, { columns: 80, rows: 24 });
  });
});

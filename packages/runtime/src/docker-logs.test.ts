import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createDockerRuntime } from './docker.js';
import { parseEntry } from './docker-logs.js';
import { FakeRuntime } from './testing.js';
import type { ContainerLogEntry, ContainerRuntime } from './types.js';

const STACK_IMAGE = process.env['PAAS_TEST_STACK_IMAGE'];
if (!STACK_IMAGE) throw new Error('PAAS_TEST_STACK_IMAGE is not set: set it to the stack image tag (paas/stack:<hash>)');

const RUN = `logs-test-${randomBytes(4).toString('hex')}`;
const labels = { 'paas.test': RUN };

async function collect(runtime: ContainerRuntime, id: string, since?: number): Promise<ContainerLogEntry[]> {
  const out: ContainerLogEntry[] = [];
  const signal = AbortSignal.timeout(20_000);
  for await (const e of runtime.followLogs(id, { signal, ...(since === undefined ? {} : { since }) })) out.push(e);
  return out;
}

describe('followLogs', () => {
  const docker = createDockerRuntime();
  afterAll(async () => {
    for (const c of await docker.listContainers(labels)) await docker.removeContainer(c.id, { force: true });
  });

  it('parses the engine timestamp to microseconds and keeps the rest of the line', () => {
    const e = parseEntry('stderr', Buffer.from('2026-11-29T18:00:00.123456789Z hello world\n'));
    expect(e).toEqual({ stream: 'stderr', time: Date.UTC(2026, 10, 29, 18, 0, 0, 123) + 0.456, data: Buffer.from('hello world\n') });
    expect(parseEntry('stdout', Buffer.from('2026-11-29T18:00:00Z x\n')).time).toBe(Date.UTC(2026, 10, 29, 18));
  });

  it('follows a real container: stdout and stderr in order, with times, from `since`, ending when it exits', async () => {
    const id = await docker.createContainer({
      name: `${RUN}-follow`,
      image: STACK_IMAGE,
      cmd: ['bash', '-c', 'echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three'],
      env: {},
      labels,
    });
    // Started first: the engine ends a follow of a container that is not running yet at once.
    await docker.startContainer(id);
    const entries = await collect(docker, id);
    expect(entries.map((e) => [e.stream, e.data.toString()])).toEqual([
      ['stdout', 'one\n'],
      ['stderr', 'two\n'],
      ['stdout', 'three\n'],
    ]);
    expect(Math.abs(entries[0]!.time - Date.now())).toBeLessThan(10_000);
    expect(entries[2]!.time).toBeGreaterThan(entries[0]!.time + 300);
    const later = await collect(docker, id, entries[1]!.time);
    expect(later.map((e) => e.data.toString())).toEqual(['two\n', 'three\n']);
  });

  it('the fake replays what was written, follows, and ends when the container exits', async () => {
    const rt = new FakeRuntime();
    const id = await rt.createContainer({ name: 'a', image: 'img', cmd: [], env: {}, labels: {} });
    await rt.startContainer(id);
    rt.output(id, 'stdout', 'before\n');
    const following = collect(rt, id);
    rt.output(id, 'stderr', 'after\n');
    rt.exit(id, 0);
    expect((await following).map((e) => [e.stream, e.data.toString()])).toEqual([
      ['stdout', 'before\n'],
      ['stderr', 'after\n'],
    ]);
  });
});

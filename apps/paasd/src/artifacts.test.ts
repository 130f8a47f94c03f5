import { describe, expect, it } from 'vitest';
import { silentLogger } from '@paas/core';
import { FakeRuntime } from '@paas/runtime/testing';
import { removeInterruptedBuilds } from './artifacts.js';

describe('removeInterruptedBuilds', () => {
  it("removes this platform's build containers, running or not, and nothing else", async () => {
    const runtime = new FakeRuntime();
    runtime.addImage('stack');
    const create = async (name: string, labels: Record<string, string>, start: boolean) => {
      const id = await runtime.createContainer({ name, image: 'stack', cmd: ['true'], env: {}, labels: { 'paas.managed': '1', ...labels } });
      if (start) await runtime.startContainer(id);
      return id;
    };
    await create('hung-build', { 'paas.kind': 'build', 'paas.platform': 'p1' }, true);
    await create('never-started-build', { 'paas.kind': 'build', 'paas.platform': 'p1' }, false);
    const otherPlatform = await create('other-build', { 'paas.kind': 'build', 'paas.platform': 'p2' }, true);
    const dyno = await create('web-1', { 'paas.kind': 'dyno', 'paas.platform': 'p1' }, true);

    expect(await removeInterruptedBuilds(runtime, { 'paas.platform': 'p1' }, silentLogger)).toBe(2);
    expect([...runtime.containers.keys()].sort()).toEqual([otherPlatform, dyno].sort());
    expect(await removeInterruptedBuilds(runtime, { 'paas.platform': 'p1' }, silentLogger)).toBe(0);
  });
});

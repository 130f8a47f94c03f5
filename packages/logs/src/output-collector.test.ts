import { silentLogger } from '@paas/core';
import { FakeClock } from '@paas/core/testing';
import { FakeRuntime } from '@paas/runtime/testing';
import { describe, expect, it } from 'vitest';
import { createOutputCollector } from './output-collector.js';
import type { LogEntry } from './types.js';

const labels = (kind: string, dyno: string, platform = 'p1') => ({
  'paas.managed': '1',
  'paas.platform': platform,
  'paas.kind': kind,
  'paas.app_id': 'app-1',
  'paas.dyno': dyno,
});

async function container(rt: FakeRuntime, name: string, l: Record<string, string>): Promise<string> {
  const id = await rt.createContainer({ name, image: 'img', cmd: [], env: {}, labels: l });
  await rt.startContainer(id);
  return id;
}

function setup(stored: Record<string, number> = {}) {
  const clock = new FakeClock(Date.UTC(2026, 10, 29, 18));
  const rt = new FakeRuntime({ clock });
  const lines: (LogEntry & { appId: string })[] = [];
  const collector = createOutputCollector({
    runtime: rt,
    platform: 'p1',
    clock,
    logger: silentLogger,
    write: (appId, entry) => lines.push({ appId, ...entry }),
    lastTime: (_app, dyno) => stored[dyno],
    maxLineBytes: 10_000,
  });
  return { clock, rt, lines, collector };
}

const text = (lines: LogEntry[]) => lines.map((l) => `${l.dyno}: ${l.message}`);

describe('dyno output collector', () => {
  it("follows the platform's dynos and one-off runs, stdout and stderr, line by line with the engine's time", async () => {
    const { rt, lines, collector, clock } = setup();
    await collector.start();
    const web = await container(rt, 'web', labels('dyno', 'web.1'));
    const run = await container(rt, 'run', labels('run', 'run.1'));
    await container(rt, 'other', labels('dyno', 'web.1', 'p2'));
    await container(rt, 'build', labels('build', 'build.1'));
    await container(rt, 'session', { ...labels('run', 'run.2'), 'paas.attached': '1' });
    rt.output(web, 'stdout', 'listening on 5000\npartial ');
    clock.advance(5);
    rt.output(web, 'stderr', 'warning\n');
    rt.output(web, 'stdout', 'line\n');
    rt.output(run, 'stdout', 'one-off\n');
    await expect.poll(() => lines.length).toBe(4);
    // Each container's lines keep their order; containers are read side by side.
    const webLines = lines.filter((l) => l.dyno === 'web.1');
    expect(text(webLines)).toEqual(['web.1: listening on 5000', 'web.1: warning', 'web.1: partial line']);
    expect(text(lines.filter((l) => l.dyno === 'run.1'))).toEqual(['run.1: one-off']);
    expect(webLines[0]).toMatchObject({ appId: 'app-1', source: 'app', time: Date.UTC(2026, 10, 29, 18) });
    expect(webLines[1]!.time).toBe(Date.UTC(2026, 10, 29, 18) + 5);
    expect(collector.following()).toBe(2);
    rt.exit(web, 0);
    rt.output(run, 'stdout', 'unterminated');
    rt.exit(run, 0);
    await expect.poll(() => collector.following()).toBe(0);
    expect(text(lines).at(-1)).toBe('run.1: unterminated');
    await collector.close();
  });

  it('splits lines longer than 10,000 bytes', async () => {
    const { rt, lines, collector } = setup();
    await collector.start();
    const web = await container(rt, 'web', labels('dyno', 'web.1'));
    rt.output(web, 'stdout', `${'x'.repeat(25_000)}\n`);
    await expect.poll(() => lines.length).toBe(3);
    expect(lines.map((l) => l.message.length)).toEqual([10_000, 10_000, 5000]);
    await collector.close();
  });

  it('after a restart, resumes running dynos after the last stored line instead of repeating them', async () => {
    const { rt, lines, collector, clock } = setup({ 'web.1': Date.UTC(2026, 10, 29, 18) + 10 });
    const web = await container(rt, 'web', labels('dyno', 'web.1'));
    rt.output(web, 'stdout', 'old, already stored\n');
    clock.advance(10);
    rt.output(web, 'stdout', 'stored at the same instant\n');
    clock.advance(1);
    rt.output(web, 'stdout', 'written while the control plane was down\n');
    await collector.start();
    rt.output(web, 'stdout', 'live\n');
    await expect.poll(() => lines.length).toBe(2);
    expect(text(lines)).toEqual(['web.1: written while the control plane was down', 'web.1: live']);
    await collector.close();
  });

  it('watches the engine again after its event stream drops, and picks up dynos started meanwhile', async () => {
    const { rt, lines, collector, clock } = setup();
    await collector.start();
    rt.disconnectEvents();
    await new Promise((r) => setImmediate(r));
    const web = await container(rt, 'web', labels('dyno', 'web.2'));
    rt.output(web, 'stdout', 'hello\n');
    clock.advance(1000);
    await expect.poll(() => text(lines)).toEqual(['web.2: hello']);
    await collector.close();
  });
});

describe('dyno output collector, when the engine ends a stream early', () => {
  it('follows a still-running container again from its last entry, without repeating or losing lines of the same instant', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 29, 18));
    const rt = new FakeRuntime({ clock });
    let calls = 0;
    // The first stream ends after two entries although the container keeps running.
    const runtime: typeof rt = Object.assign(Object.create(rt) as FakeRuntime, {
      followLogs(id: string, options: Parameters<FakeRuntime['followLogs']>[1]) {
        const inner = rt.followLogs(id, options);
        if (calls++ > 0) return inner;
        return (async function* () {
          let n = 0;
          for await (const e of inner) {
            yield e;
            if (++n === 2) return;
          }
        })();
      },
    });
    const lines: string[] = [];
    const collector = createOutputCollector({
      runtime,
      platform: 'p1',
      clock,
      logger: silentLogger,
      write: (_app, entry) => lines.push(entry.message),
      lastTime: () => undefined,
    });
    const web = await container(rt, 'web', labels('dyno', 'web.1'));
    // Three lines at the same instant, then one later.
    rt.output(web, 'stdout', 'a\n');
    rt.output(web, 'stdout', 'b\n');
    rt.output(web, 'stdout', 'c\n');
    clock.advance(1);
    rt.output(web, 'stdout', 'd\n');
    await collector.start();
    await expect.poll(() => calls).toBe(1);
    await new Promise((r) => setImmediate(r));
    clock.advance(100); // the pause before following again
    await expect.poll(() => lines).toEqual(['a', 'b', 'c', 'd']);
    expect(calls).toBe(2);
    await collector.close();
  });
});

import { isPaasError } from '@paas/core';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_ID, advance, appSpec, createHarness, idle, type Harness } from './manager.harness.js';
import type { OneOffRequest } from './types.js';

let h: Harness;
afterEach(async () => {
  await h.manager.close();
});

function request(extra: Partial<OneOffRequest> = {}): OneOffRequest {
  return { spec: appSpec(1), command: 'node -e "process.exit(3)"', type: 'run', size: 'basic', ...extra };
}

const oneOffs = () =>
  h.runtime
    .running({ 'paas.app_id': APP_ID, 'paas.kind': 'run' })
    .map((c) => c.labels['paas.dyno'])
    .sort();

describe('one-off dynos', () => {
  it('runs run.N from the release with its config, labelled as a one-off, hardened and size-limited', async () => {
    h = createHarness();
    await h.manager.start();
    const dyno = await h.manager.runOneOff(request({ env: { TERM: 'xterm' }, attach: { tty: true } }));
    expect(dyno.name).toBe('run.1');
    const c = h.runtime.containers.get(dyno.id)!;
    expect(c.info.labels).toMatchObject({ 'paas.managed': '1', 'paas.kind': 'run', 'paas.platform': 'default', 'paas.dyno': 'run.1', 'paas.process_type': 'run', 'paas.release_version': '1', 'paas.attached': '1' });
    expect(c.spec.env).toMatchObject({ GREETING: 'hi', TERM: 'xterm', DYNO: 'run.1', PORT: '5000' });
    expect(c.spec).toMatchObject({ hardened: true, init: true, user: 'dyno', memoryBytes: 512 * 1024 * 1024, pidsLimit: 256, tty: true, openStdin: true });
    expect(c.spec.cmd).toEqual(['/usr/local/bin/paas-launch', 'node -e "process.exit(3)"']);
    expect(h.manager.listDynos(APP_ID)).toMatchObject([{ name: 'run.1', type: 'run', state: 'up', oneOff: true }]);
  });

  it('numbers runs with the lowest free number per type, and release runs apart', async () => {
    h = createHarness();
    const a = await h.manager.runOneOff(request());
    const b = await h.manager.runOneOff(request());
    const r = await h.manager.runOneOff(request({ type: 'release' }));
    expect([a.name, b.name, r.name]).toEqual(['run.1', 'run.2', 'release.1']);
    h.runtime.exit(a.id, 0);
    await a.exited;
    const c = await h.manager.runOneOff(request());
    expect(c.name).toBe('run.1');
    // Started together, they still get distinct numbers.
    const both = await Promise.all([h.manager.runOneOff(request()), h.manager.runOneOff(request())]);
    expect(both.map((d) => d.name).sort()).toEqual(['run.3', 'run.4']);
  });

  it('gives its output to a listener that registers late, and its exit once the container is gone', async () => {
    h = createHarness();
    const dyno = await h.manager.runOneOff(request());
    h.runtime.output(dyno.id, 'stdout', 'hello ');
    h.runtime.output(dyno.id, 'stderr', 'oops');
    const seen: string[] = [];
    dyno.onOutput((stream, chunk) => seen.push(`${stream}:${chunk.toString()}`));
    h.runtime.output(dyno.id, 'stdout', 'world');
    h.runtime.exit(dyno.id, 3);
    expect(await dyno.exited).toEqual({ exitCode: 3 });
    expect(seen).toEqual(['stdout:hello ', 'stderr:oops', 'stdout:world']);
    expect(h.runtime.containers.has(dyno.id)).toBe(false);
    expect(h.manager.listDynos(APP_ID)).toEqual([]);
    expect(h.log).toEqual([
      'run.1: Starting process with command `node -e "process.exit(3)"`',
      'run.1: State changed from starting to up',
      'run.1: Process exited with status 3',
      'run.1: State changed from up to complete',
    ]);
  });

  it('is never restarted, adopted as formation, or counted as a crashed web dyno', async () => {
    h = createHarness();
    await h.manager.start();
    await h.manager.apply(appSpec(1, { web: 1 }));
    const dyno = await h.manager.runOneOff(request());
    h.runtime.exit(dyno.id, 1);
    await dyno.exited;
    await advance(h.clock, 60_000, 5_000);
    expect(oneOffs()).toEqual([]);
    expect(h.running()).toEqual(['web.1@rel-1']);
    expect(h.manager.isCrashed(APP_ID)).toBe(false);
  });

  it('passes stdin through, resizes a TTY and sends only known signals', async () => {
    h = createHarness();
    const dyno = await h.manager.runOneOff(request({ attach: { tty: true } }));
    const stdin = h.runtime.containers.get(dyno.id)!.stdin!;
    const read: string[] = [];
    stdin.on('data', (c: Buffer) => read.push(c.toString()));
    dyno.stdin!.write('ls\n');
    dyno.stdin!.end();
    await idle();
    expect(read).toEqual(['ls\n']);
    expect(stdin.writableEnded).toBe(true);
    await dyno.resize(120, 40);
    expect(h.runtime.containers.get(dyno.id)!.resizes).toEqual([{ columns: 120, rows: 40 }]);
    const refused = await dyno.signal('SIGSEGV').catch((e: unknown) => e);
    expect(isPaasError(refused, 'invalid_params')).toBe(true);
    await dyno.signal('SIGINT');
    expect(await dyno.exited).toEqual({ exitCode: 130 });
  });

  it('is killed when its time to live runs out', async () => {
    h = createHarness();
    const dyno = await h.manager.runOneOff(request({ timeoutMs: 60_000 }));
    await advance(h.clock, 59_000);
    expect(oneOffs()).toEqual(['run.1']);
    await advance(h.clock, 1_000);
    expect(await dyno.exited).toEqual({ exitCode: 137 });
    expect(h.log).toContain('run.1: Process ran longer than its time to live of 60 seconds');
  });

  it('reports an OOM kill as R15', async () => {
    h = createHarness();
    const dyno = await h.manager.runOneOff(request());
    h.runtime.exit(dyno.id, 137, { oom: true });
    await dyno.exited;
    expect(h.log.slice(-4)).toEqual([
      'run.1: Error R15 (Memory quota vastly exceeded)',
      'run.1: Stopping process with SIGKILL',
      'run.1: Process exited with status 137',
      'run.1: State changed from up to complete',
    ]);
  });

  it('refuses an unknown size, an empty command and bad environment names', async () => {
    h = createHarness();
    for (const bad of [request({ size: 'huge' }), request({ command: '  ' }), request({ env: { 'NOT-OK': '1' } })]) {
      const err = await h.manager.runOneOff(bad).catch((e: unknown) => e);
      expect(isPaasError(err, 'invalid_params')).toBe(true);
    }
    expect(h.runtime.containers.size).toBe(0);
  });

  it('keeps running across a control-plane restart and is removed once it exits', async () => {
    h = createHarness();
    await h.manager.apply(appSpec(1));
    const dyno = await h.manager.runOneOff(request());
    await h.manager.close();
    h.manager = h.another();
    await h.manager.start();
    await h.manager.apply(appSpec(1));
    await advance(h.clock, 300_000, 30_000);
    expect(oneOffs()).toEqual(['run.1']);
    expect(h.manager.listDynos(APP_ID).map((d) => d.name)).toEqual(['run.1', 'web.1']);
    h.runtime.exit(dyno.id, 0);
    await idle();
    expect(h.runtime.containers.has(dyno.id)).toBe(false);
    expect(h.manager.listDynos(APP_ID).map((d) => d.name)).toEqual(['web.1']);
  });

  it('goes with its app: when the app is removed, or never applied again after a restart', async () => {
    h = createHarness({ unknownAppGraceMs: 120_000 });
    await h.manager.apply(appSpec(1));
    const kept = await h.manager.runOneOff(request());
    await h.manager.close();
    h.manager = h.another();
    await h.manager.start();
    await advance(h.clock, 90_000, 10_000);
    expect(h.runtime.containers.has(kept.id)).toBe(true);
    await advance(h.clock, 60_000, 10_000);
    expect(h.runtime.containers.has(kept.id)).toBe(false);
    expect(h.manager.listDynos(APP_ID)).toEqual([]);

    await h.manager.apply(appSpec(1));
    const doomed = await h.manager.runOneOff(request());
    await h.manager.remove(APP_ID);
    expect(await doomed.exited).toEqual({ exitCode: 137 });
    expect(h.runtime.containers.size).toBe(0);
  });

  it('is not killed with an unknown app while its starter waits on it (a first release phase)', async () => {
    h = createHarness({ unknownAppGraceMs: 120_000 });
    await h.manager.start();
    const dyno = await h.manager.runOneOff(request({ type: 'release' }));
    await advance(h.clock, 600_000, 30_000);
    expect(oneOffs()).toEqual(['release.1']);
    h.runtime.exit(dyno.id, 0);
    expect(await dyno.exited).toEqual({ exitCode: 0 });
  });
});

import { silentLogger, systemClock } from '@paas/core';
import { createDockerRuntime } from '@paas/runtime';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynoManager } from './dyno-manager.js';
import { DYNO_LABELS } from './labels.js';
import { DEFAULT_DYNO_MANAGER_OPTIONS } from './options.js';
import { createTcpProbe } from './tcp-probe.js';
import type { DynoManager, OneOffDyno, OneOffRequest } from './types.js';

const STACK_IMAGE = process.env['PAAS_TEST_STACK_IMAGE'];
if (!STACK_IMAGE) {
  throw new Error('PAAS_TEST_STACK_IMAGE is not set: set it to the stack image tag (paas/stack:<hash>) to run the Docker integration tests');
}

const runtime = createDockerRuntime();
const NETWORK = 'paas-test-dynos';
const RUN = randomBytes(4).toString('hex');
const APP = { id: `it-run-${RUN}`, name: `itr-${RUN}` };
const log: string[] = [];
let manager: DynoManager;

function request(command: string, extra: Partial<OneOffRequest> = {}): OneOffRequest {
  return {
    spec: { app: APP, release: { id: `rel-${RUN}`, version: 4, image: STACK_IMAGE! }, env: { GREETING: 'from config' }, processTypes: {} },
    command,
    type: 'run',
    size: 'eco',
    ...extra,
  };
}

/** Runs to the end and collects the output by stream. */
async function run(dyno: OneOffDyno, input?: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  dyno.onOutput((stream, chunk) => (out[stream] += chunk.toString('utf8')));
  if (input !== undefined) dyno.stdin?.end(input);
  const { exitCode } = await dyno.exited;
  return { exitCode, ...out };
}

beforeAll(async () => {
  await runtime.ping();
  await runtime.ensureNetwork(NETWORK, { interContainer: false });
  manager = createDynoManager({
    runtime,
    clock: systemClock,
    random: Math.random,
    probe: createTcpProbe(),
    routes: { sync: async () => {} },
    logger: silentLogger,
    events: (e) => void log.push(`${e.dyno}: ${e.message}`),
    // A platform of its own: no other manager on this engine adopts (or removes) these dynos.
    options: { ...DEFAULT_DYNO_MANAGER_OPTIONS, network: NETWORK, platform: `it-${RUN}`, stopTimeoutMs: 2_000, unknownAppGraceMs: 60 * 60_000 },
  });
  await manager.start();
});

afterAll(async () => {
  await manager?.close();
  for (const c of await runtime.listContainers({ [DYNO_LABELS.appId]: APP.id })) await runtime.removeContainer(c.id, { force: true });
});

describe('one-off dynos on Docker', { timeout: 30_000 }, () => {
  it('exits with the command’s status, sees the config, and leaves no container behind', async () => {
    const dyno = await manager.runOneOff(request('echo "$GREETING on $DYNO"; echo err >&2; exit 3'));
    expect(await run(dyno)).toEqual({ exitCode: 3, stdout: 'from config on run.1\n', stderr: 'err\n' });
    expect(await runtime.inspectContainer(dyno.id)).toBeUndefined();
    expect(log).toContain('run.1: State changed from up to complete');
  });

  it('passes piped stdin through to EOF', async () => {
    const dyno = await manager.runOneOff(request('tr a-z A-Z; echo "[done]"', { attach: { tty: false } }));
    expect(await run(dyno, 'hello\nworld\n')).toMatchObject({ exitCode: 0, stdout: 'HELLO\nWORLD\n[done]\n' });
  });

  it('runs with a TTY that can be resized', async () => {
    const dyno = await manager.runOneOff(request('read line; stty size; test -t 0 && echo "tty:$line"', { attach: { tty: true }, env: { TERM: 'dumb' } }));
    const out: string[] = [];
    dyno.onOutput((_s, c) => out.push(c.toString()));
    await dyno.resize(132, 43);
    dyno.stdin!.write('go\n');
    const { exitCode } = await dyno.exited;
    expect(exitCode).toBe(0);
    // The TTY echoes the input and ends lines with CRLF.
    expect(out.join('')).toContain('43 132\r\ntty:go');
  });

  it('delivers a signal to every process of the command line', async () => {
    const dyno = await manager.runOneOff(request('sleep 30; echo never', { attach: { tty: false } }));
    const running = run(dyno);
    await new Promise((r) => setTimeout(r, 300));
    const sent = Date.now();
    await dyno.signal('SIGINT');
    const result = await running;
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(130);
    expect(Date.now() - sent).toBeLessThan(5_000);
  });

  it('runs inside its size’s limits: memory, processes, CPU share', async () => {
    const dyno = await manager.runOneOff(
      request('cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.shares; id -un'),
    );
    const { stdout, exitCode } = await run(dyno);
    expect(exitCode).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([String(256 * 1024 * 1024), '256', '256', 'dyno']);
  });

  it('is killed at the end of its time to live', async () => {
    const dyno = await manager.runOneOff(request('sleep 30', { timeoutMs: 500 }));
    expect((await run(dyno)).exitCode).toBe(137);
  });
});

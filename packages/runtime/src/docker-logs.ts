import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { PaasError } from '@paas/core';
import { createDemuxer } from './demux.js';
import type { ContainerLogEntry, FollowLogsOptions } from './types.js';

/**
 * Follows a container's log through the engine's logs API (with timestamps). Entries come as the engine
 * framed them: one per line, or per 16 KB piece of a longer line.
 */
export async function* followDockerLogs(docker: Docker, id: string, options: FollowLogsOptions): AsyncGenerator<ContainerLogEntry> {
  const { signal } = options;
  const container = docker.getContainer(id);
  let stream: Readable;
  let tty: boolean;
  try {
    tty = (await container.inspect()).Config.Tty;
    stream = (await container.logs({
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
      ...(options.since === undefined ? {} : { since: dockerSince(options.since) }),
      abortSignal: signal,
    } as unknown as Docker.ContainerLogsOptions & { follow: true })) as unknown as Readable;
  } catch (err) {
    if (signal.aborted) return;
    throw logsError(err);
  }
  const pending: ContainerLogEntry[] = [];
  const demux = createDemuxer((s, payload) => pending.push(parseEntry(s, payload)));
  // With a TTY the log is one raw stream; each line carries its own timestamp.
  let raw: Buffer = Buffer.alloc(0);
  const onRaw = (chunk: Buffer) => {
    raw = raw.length === 0 ? chunk : Buffer.concat([raw, chunk]);
    let start = 0;
    for (let nl = raw.indexOf(10); nl >= 0; nl = raw.indexOf(10, start)) {
      pending.push(parseEntry('stdout', raw.subarray(start, nl + 1)));
      start = nl + 1;
    }
    raw = raw.subarray(start);
  };
  try {
    for await (const chunk of stream) {
      if (tty) onRaw(chunk as Buffer);
      else demux(chunk as Buffer);
      for (let i = 0; i < pending.length; i++) yield pending[i]!;
      pending.length = 0;
    }
  } catch (err) {
    if (!signal.aborted) throw logsError(err);
  } finally {
    stream.destroy();
  }
}

/** `2026-11-29T18:00:00.123456789Z message` → the message, and the time with microseconds. */
export function parseEntry(stream: 'stdout' | 'stderr', payload: Buffer): ContainerLogEntry {
  const space = payload.indexOf(32);
  const stamp = space > 0 ? payload.toString('latin1', 0, space) : '';
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(stamp);
  if (!m) return { stream, time: Date.now(), data: payload };
  const fraction = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return { stream, time: Date.parse(`${m[1]}Z`) + Number(fraction) / 1000, data: payload.subarray(space + 1) };
}

/** Docker's `since`: seconds since the epoch with a nanosecond fraction. */
function dockerSince(ms: number): string {
  const us = Math.round(ms * 1000);
  return `${Math.floor(us / 1e6)}.${String((us % 1e6) * 1000).padStart(9, '0')}`;
}

function logsError(err: unknown): PaasError {
  if (err instanceof PaasError) return err;
  const status = typeof err === 'object' && err !== null && 'statusCode' in err ? (err as { statusCode: number }).statusCode : undefined;
  // 409: dead or being removed, which for a reader is the same as gone.
  if (status === 404 || status === 409) return new PaasError('not_found', 'No such container', { cause: err });
  return new PaasError('runtime_unavailable', `Cannot follow the container's log: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

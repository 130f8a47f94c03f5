import { PaasError } from '@paas/core';
import type { ContainerRuntime, ContainerSpec } from './types.js';

export interface RunOptions {
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Kill the container after this long; the result then has `timedOut`. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Keep the container after it exits (for example to commit it); the caller removes it. */
  keep?: boolean;
}

export interface RunResult {
  id: string;
  exitCode: number;
  timedOut: boolean;
  aborted: boolean;
}

/** Creates, attaches to, starts and waits for a container, and removes it unless `keep`. */
export async function runContainer(runtime: ContainerRuntime, spec: ContainerSpec, options: RunOptions = {}): Promise<RunResult> {
  const id = await runtime.createContainer(spec);
  let timedOut = false;
  let aborted = false;
  let timer: NodeJS.Timeout | undefined;
  const kill = () => void runtime.killContainer(id).catch(() => {});
  const onAbort = () => {
    aborted = true;
    kill();
  };
  try {
    const attachment = await runtime.attachContainer(id, { tty: spec.tty ?? false });
    if (options.onOutput) attachment.onOutput(options.onOutput);
    const exited = runtime.waitContainer(id);
    await runtime.startContainer(id);
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, options.timeoutMs);
    }
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const { exitCode } = await exited;
    // The output stream can lag the exit by a moment; wait for it so no line is lost.
    await Promise.race([attachment.ended, new Promise((r) => setTimeout(r, 2000))]);
    attachment.close();
    return { id, exitCode, timedOut, aborted };
  } catch (err) {
    throw err instanceof PaasError ? err : new PaasError('internal_error', `Container ${spec.name} failed to run`, { cause: err });
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    if (!options.keep) await runtime.removeContainer(id, { force: true }).catch(() => {});
  }
}

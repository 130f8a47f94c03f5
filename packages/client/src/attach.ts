import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { PassThrough, Writable, type Readable } from 'node:stream';
import {
  ATTACH_FRAME,
  ATTACH_PROTOCOL,
  PaasError,
  createFrameDecoder,
  decodeExit,
  encodeDataFrames,
  encodeFrame,
  encodeResizeFrame,
  isErrorCode,
  type ErrorBody,
} from '@paas/core';

/** A live connection to an attached one-off dyno (`paas-attach/1`). */
export interface DynoAttachment {
  /** The process's output; with a TTY everything comes as stdout. */
  stdout: Readable;
  stderr: Readable;
  /** The process's stdin; ending it sends EOF. */
  stdin: Writable;
  /** Tells the dyno's TTY the terminal's new size. */
  resize(columns: number, rows: number): void;
  /** Sends a signal (`SIGINT`) to the process. */
  signal(name: string): void;
  /** The exit status; rejects when the platform ends the session with an error or the connection drops. */
  exit: Promise<number>;
  /** Drops the connection (the platform then hangs the process up). */
  close(): void;
}

export interface AttachRequest {
  url: URL;
  token: string;
  userAgent: string;
  signal?: AbortSignal;
}

/** Upgrades a `GET` of the dyno's attach URL and speaks the frame protocol over the connection. */
export function openAttachment(req: AttachRequest): Promise<DynoAttachment> {
  return new Promise((resolve, reject) => {
    const send = req.url.protocol === 'https:' ? httpsRequest : httpRequest;
    let http: ClientRequest;
    try {
      http = send(req.url, {
        method: 'GET',
        headers: {
          authorization: `Bearer ${req.token}`,
          'user-agent': req.userAgent,
          connection: 'Upgrade',
          upgrade: ATTACH_PROTOCOL,
        },
        ...(req.signal ? { signal: req.signal } : {}),
      });
    } catch (err) {
      return reject(unreachable(req.url, err));
    }
    http.on('upgrade', (_res: IncomingMessage, socket: Socket, head: Buffer) => resolve(wrap(socket, head)));
    http.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(errorFromBody(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
      res.on('error', (err) => reject(unreachable(req.url, err)));
    });
    http.on('error', (err) => reject(req.signal?.aborted ? err : unreachable(req.url, err)));
    http.end();
  });
}

function wrap(socket: Socket, head: Buffer): DynoAttachment {
  socket.setNoDelay(true);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let settled = false;
  let resolveExit!: (code: number) => void;
  let rejectExit!: (err: unknown) => void;
  const exit = new Promise<number>((resolve, reject) => {
    resolveExit = resolve;
    rejectExit = reject;
  });
  // A caller that never awaits the exit must not crash the process with an unhandled rejection.
  exit.catch(() => {});
  const settle = (outcome: { code: number } | { error: unknown }) => {
    if (settled) return;
    settled = true;
    stdout.end();
    stderr.end();
    if ('code' in outcome) resolveExit(outcome.code);
    else rejectExit(outcome.error);
  };
  const decode = createFrameDecoder(({ type, payload }) => {
    if (type === ATTACH_FRAME.stdout) stdout.write(payload);
    else if (type === ATTACH_FRAME.stderr) stderr.write(payload);
    else if (type === ATTACH_FRAME.exit) settle({ code: decodeExit(payload) ?? 1 });
    else if (type === ATTACH_FRAME.error) settle({ error: errorFromBody(0, payload.toString('utf8')) });
  });
  const onData = (chunk: Buffer) => {
    try {
      decode(chunk);
    } catch (err) {
      settle({ error: err });
      socket.destroy();
    }
  };
  socket.on('data', onData);
  socket.on('error', () => {});
  socket.on('end', () => socket.end());
  socket.on('close', () => settle({ error: new PaasError('api_unreachable', 'The connection to the dyno was lost before its process exited.') }));
  if (head.length > 0) onData(head);

  const write = (frame: Buffer, done?: (err?: Error | null) => void) => {
    if (socket.destroyed || socket.writableEnded) return done?.();
    socket.write(frame, done);
  };
  const stdin = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const frames = encodeDataFrames(ATTACH_FRAME.stdin, chunk);
      frames.forEach((f, i) => write(f, i === frames.length - 1 ? () => callback() : undefined));
      if (frames.length === 0) callback();
    },
    final(callback) {
      write(encodeFrame(ATTACH_FRAME.stdinEnd), () => callback());
    },
  });
  return {
    stdout,
    stderr,
    stdin,
    resize: (columns, rows) => write(encodeResizeFrame(columns, rows)),
    signal: (name) => write(encodeFrame(ATTACH_FRAME.signal, Buffer.from(name, 'ascii'))),
    exit,
    close: () => socket.destroy(),
  };
}

function errorFromBody(status: number, text: string): PaasError {
  let parsed: Partial<ErrorBody> | undefined;
  try {
    parsed = JSON.parse(text) as Partial<ErrorBody>;
  } catch {
    parsed = undefined;
  }
  if (parsed && isErrorCode(parsed.id) && typeof parsed.message === 'string') {
    return new PaasError(parsed.id, parsed.message, { details: { ...(status ? { status } : {}), ...(parsed.details ?? {}) } });
  }
  const code = status === 401 ? 'unauthorized' : status === 404 ? 'not_found' : 'internal_error';
  return new PaasError(code, `The API answered ${status} to the attach: ${text.slice(0, 200) || 'no body'}`, { details: { status } });
}

function unreachable(url: URL, err: unknown): PaasError {
  return new PaasError('api_unreachable', `Cannot reach the paas API at ${url.origin} (${(err as Error).message}).`, { cause: err });
}

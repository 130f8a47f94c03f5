import type { Duplex } from 'node:stream';
import {
  ATTACH_FRAME,
  ATTACH_PROTOCOL,
  PaasError,
  createFrameDecoder,
  decodeResize,
  encodeDataFrames,
  encodeExitFrame,
  encodeFrame,
  isPaasError,
  type AttachFrame,
  type Clock,
  type ErrorBody,
  type Logger,
  type TimerHandle,
} from '@paas/core';
import type { OneOffDyno } from '@paas/dyno-manager';

export interface RunSessionOptions {
  /** An attached run nobody connects to within this long is killed (as Heroku's rendezvous does). */
  rendezvousMs: number;
  /** After the client hangs up, the process gets SIGHUP, then SIGKILL after this long. */
  hangupGraceMs: number;
  /** Output kept for a client that has not connected yet (or is slow); beyond it, output is dropped. */
  maxBufferedBytes: number;
}

export const DEFAULT_RUN_SESSION_OPTIONS: RunSessionOptions = { rendezvousMs: 30_000, hangupGraceMs: 10_000, maxBufferedBytes: 4 * 1024 * 1024 };

/**
 * The attached one-off dynos of the control plane: each keeps its dyno's output (and exit) until the
 * client connects, then relays frames both ways (see `ATTACH_PROTOCOL`). One client per dyno.
 */
export class RunSessions {
  private readonly sessions = new Map<string, RunSession>();

  constructor(private readonly deps: { clock: Clock; logger: Logger; options?: Partial<RunSessionOptions> }) {}

  /** Starts keeping the dyno's output; call right after `runOneOff`, before any await. */
  open(appId: string, dyno: OneOffDyno): void {
    const options = { ...DEFAULT_RUN_SESSION_OPTIONS, ...this.deps.options };
    const session = new RunSession(appId, dyno, this.deps.clock, this.deps.logger, options, () => this.sessions.delete(dyno.id));
    this.sessions.set(dyno.id, session);
  }

  /** The session of the app's dyno with that container id (or name, while it runs). */
  find(appId: string, idOrName: string): RunSession | undefined {
    for (const s of this.sessions.values()) if (s.appId === appId && (s.dyno.id === idOrName || s.dyno.name === idOrName)) return s;
    return undefined;
  }

  /** Ends every connection (the control plane is stopping); the dynos keep running. */
  closeAll(): void {
    for (const s of this.sessions.values()) s.disconnect(new PaasError('internal_error', 'The control plane is stopping.'));
  }
}

export class RunSession {
  private socket: Duplex | undefined;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private dropped = 0;
  private ended = false;
  private timer: TimerHandle | undefined;

  constructor(
    readonly appId: string,
    readonly dyno: OneOffDyno,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: RunSessionOptions,
    private readonly forget: () => void,
  ) {
    dyno.onOutput((stream, chunk) => this.send(...encodeDataFrames(stream === 'stderr' ? ATTACH_FRAME.stderr : ATTACH_FRAME.stdout, chunk)));
    dyno.exited.then(
      ({ exitCode }) => this.finish(encodeExitFrame(exitCode)),
      (err: unknown) => this.finish(errorFrame(err)),
    );
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      if (this.socket || this.ended) return;
      logger.warn({ app: appId, dyno: dyno.name }, 'nobody attached to the one-off dyno in time; killing it');
      this.kill('SIGKILL');
    }, options.rendezvousMs);
  }

  get attached(): boolean {
    return this.socket !== undefined;
  }

  /** Takes over an upgraded connection: answers 101, sends what was kept, then relays both ways. */
  attach(socket: Duplex, head: Buffer): void {
    if (this.socket) throw new PaasError('conflict', `Someone is attached to ${this.dyno.name} already.`);
    this.socket = socket;
    this.clearTimer();
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${ATTACH_PROTOCOL}\r\n\r\n`);
    if (this.dropped > 0) this.logger.warn({ app: this.appId, dyno: this.dyno.name, dropped: this.dropped }, 'one-off output dropped while nobody was attached');
    for (const frame of this.buffered) socket.write(frame);
    this.buffered = [];
    this.bufferedBytes = 0;
    if (this.ended) {
      socket.end();
      return this.forget();
    }
    const decode = createFrameDecoder((frame) => this.onFrame(frame));
    const onData = (chunk: Buffer) => {
      try {
        decode(chunk);
      } catch (err) {
        this.disconnect(err);
      }
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
    // The server keeps half-open connections; a client never half-closes on purpose (stdin EOF is a frame).
    socket.on('end', () => socket.end());
    socket.on('close', () => this.hangUp());
    if (head.length > 0) onData(head);
  }

  /** Sends a last error frame and closes the connection. */
  disconnect(err: unknown): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    socket.end(errorFrame(err));
    // A client that does not close its side must not hold the control plane's shutdown.
    this.clock.setTimeout(() => socket.destroy(), 1_000);
  }

  private onFrame({ type, payload }: AttachFrame): void {
    const { dyno } = this;
    switch (type) {
      case ATTACH_FRAME.stdin:
        if (dyno.stdin && !dyno.stdin.write(payload)) {
          // The process reads slower than the client types or pipes: hold the client back.
          this.socket?.pause();
          dyno.stdin.once('drain', () => this.socket?.resume());
        }
        return;
      case ATTACH_FRAME.stdinEnd:
        dyno.stdin?.end();
        return;
      case ATTACH_FRAME.resize: {
        const size = decodeResize(payload);
        if (size) dyno.resize(size.columns, size.rows).catch((err: unknown) => this.warn(err, 'resize failed'));
        return;
      }
      case ATTACH_FRAME.signal:
        dyno.signal(payload.toString('ascii')).catch((err: unknown) => (isPaasError(err, 'invalid_params') ? this.disconnect(err) : this.warn(err, 'signal failed')));
        return;
      default:
      // Unknown frames are ignored, so newer clients still work.
    }
  }

  private send(...frames: Buffer[]): void {
    if (this.socket) {
      for (const frame of frames) this.socket.write(frame);
      return;
    }
    for (const frame of frames) {
      if (this.bufferedBytes + frame.length > this.options.maxBufferedBytes) {
        this.dropped += frame.length;
        continue;
      }
      this.buffered.push(frame);
      this.bufferedBytes += frame.length;
    }
  }

  private finish(last: Buffer): void {
    this.ended = true;
    this.clearTimer();
    if (!this.socket) {
      // Kept for a client that connects late, until the rendezvous time runs out.
      this.buffered.push(last);
      this.timer = this.clock.setTimeout(() => this.forget(), this.options.rendezvousMs);
      return;
    }
    this.socket.end(last);
    this.forget();
  }

  /** The client went away while the process runs: hang it up, as a terminal would. */
  private hangUp(): void {
    if (this.ended) return;
    this.kill('SIGHUP');
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.ended) this.kill('SIGKILL');
    }, this.options.hangupGraceMs);
  }

  private kill(signal: string): void {
    this.dyno.signal(signal).catch((err: unknown) => this.warn(err, `could not send ${signal}`));
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private warn(err: unknown, message: string): void {
    this.logger.warn({ err, app: this.appId, dyno: this.dyno.name }, message);
  }
}

function errorFrame(err: unknown): Buffer {
  const body: ErrorBody = isPaasError(err) ? { id: err.code, message: err.message } : { id: 'internal_error', message: 'The one-off dyno failed.' };
  return encodeFrame(ATTACH_FRAME.error, Buffer.from(JSON.stringify(body)));
}

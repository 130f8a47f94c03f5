import { PaasError } from './errors.js';

/**
 * The byte stream between `paas run` and a one-off dyno. The client upgrades
 * `GET /apps/:app/dynos/:dyno/attach` (with `Connection: Upgrade`, `Upgrade: paas-attach/1` and its token),
 * and both sides then exchange frames: a 1-byte type, a 4-byte big-endian payload length, the payload.
 * The server ends the stream after an `exit` or `error` frame; a client that disconnects hangs the dyno up.
 */
export const ATTACH_PROTOCOL = 'paas-attach/1';

/** Frame types. Server → client below 0x10, client → server from 0x10. Unknown types are ignored. */
export const ATTACH_FRAME = {
  /** Output of the process (everything, with a TTY). */
  stdout: 0x01,
  stderr: 0x02,
  /** The process ended: a 4-byte signed exit status. Last frame. */
  exit: 0x03,
  /** The platform failed the session: a JSON `ErrorBody`. Last frame. */
  error: 0x04,
  /** Bytes for the process's stdin. */
  stdin: 0x10,
  /** End of stdin (EOF for the process), no payload. */
  stdinEnd: 0x11,
  /** The terminal's new size: 2-byte columns, 2-byte rows. */
  resize: 0x12,
  /** A signal for the process, by name (`SIGINT`), in ASCII. */
  signal: 0x13,
} as const;

export type AttachFrameType = (typeof ATTACH_FRAME)[keyof typeof ATTACH_FRAME];

/** Largest payload of one frame; bigger writes are split, bigger frames refused, so memory stays bounded. */
export const MAX_ATTACH_FRAME_BYTES = 1024 * 1024;

/** Signals a client may send to a one-off dyno's process. */
export const ATTACH_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGKILL', 'SIGUSR1', 'SIGUSR2'] as const;

const HEADER = 5;

export function encodeFrame(type: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  if (payload.length > MAX_ATTACH_FRAME_BYTES) throw new PaasError('invalid_params', `Attach frame of ${payload.length} bytes is too large`);
  const frame = Buffer.allocUnsafe(HEADER + payload.length);
  frame.writeUInt8(type, 0);
  frame.writeUInt32BE(payload.length, 1);
  frame.set(payload, HEADER);
  return frame;
}

/** One frame per slice of at most `MAX_ATTACH_FRAME_BYTES`. */
export function encodeDataFrames(type: number, data: Uint8Array): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += MAX_ATTACH_FRAME_BYTES) {
    frames.push(encodeFrame(type, data.subarray(offset, offset + MAX_ATTACH_FRAME_BYTES)));
  }
  return frames;
}

export function encodeExitFrame(exitCode: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeInt32BE(exitCode, 0);
  return encodeFrame(ATTACH_FRAME.exit, payload);
}

export function encodeResizeFrame(columns: number, rows: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt16BE(clampU16(columns), 0);
  payload.writeUInt16BE(clampU16(rows), 2);
  return encodeFrame(ATTACH_FRAME.resize, payload);
}

export interface AttachFrame {
  type: number;
  payload: Buffer;
}

/**
 * Returns a function to feed bytes as they arrive (frames may be split or coalesced); it calls `onFrame`
 * for each complete frame and throws `invalid_params` on a frame larger than the limit.
 */
export function createFrameDecoder(onFrame: (frame: AttachFrame) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let offset = 0;
    while (pending.length - offset >= HEADER) {
      const length = pending.readUInt32BE(offset + 1);
      if (length > MAX_ATTACH_FRAME_BYTES) throw new PaasError('invalid_params', `Attach frame of ${length} bytes is too large`);
      if (pending.length - offset - HEADER < length) break;
      const type = pending.readUInt8(offset);
      // A copy, so a listener may keep the payload while the buffer is reused.
      onFrame({ type, payload: Buffer.from(pending.subarray(offset + HEADER, offset + HEADER + length)) });
      offset += HEADER + length;
    }
    pending = offset === pending.length ? Buffer.alloc(0) : pending.subarray(offset);
  };
}

export function decodeResize(payload: Buffer): { columns: number; rows: number } | undefined {
  if (payload.length !== 4) return undefined;
  return { columns: payload.readUInt16BE(0), rows: payload.readUInt16BE(2) };
}

export function decodeExit(payload: Buffer): number | undefined {
  return payload.length === 4 ? payload.readInt32BE(0) : undefined;
}

function clampU16(n: number): number {
  return Math.max(0, Math.min(0xffff, Math.floor(Number.isFinite(n) ? n : 0)));
}

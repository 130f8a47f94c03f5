import { describe, expect, it } from 'vitest';
import {
  ATTACH_FRAME,
  MAX_ATTACH_FRAME_BYTES,
  createFrameDecoder,
  decodeExit,
  decodeResize,
  encodeDataFrames,
  encodeExitFrame,
  encodeFrame,
  encodeResizeFrame,
  type AttachFrame,
} from './attach-protocol.js';
import { isPaasError } from './errors.js';

describe('attach protocol', () => {
  it('decodes frames split and coalesced anyhow', () => {
    const frames: AttachFrame[] = [];
    const feed = createFrameDecoder((f) => frames.push(f));
    const bytes = Buffer.concat([
      encodeFrame(ATTACH_FRAME.stdout, Buffer.from('hello ')),
      encodeFrame(ATTACH_FRAME.stderr, Buffer.from('oops')),
      encodeFrame(ATTACH_FRAME.stdinEnd),
      encodeResizeFrame(120, 40),
      encodeExitFrame(-1),
    ]);
    for (let i = 0; i < bytes.length; i += 3) feed(bytes.subarray(i, i + 3));
    expect(frames.map((f) => f.type)).toEqual([ATTACH_FRAME.stdout, ATTACH_FRAME.stderr, ATTACH_FRAME.stdinEnd, ATTACH_FRAME.resize, ATTACH_FRAME.exit]);
    expect(frames[0]!.payload.toString()).toBe('hello ');
    expect(frames[1]!.payload.toString()).toBe('oops');
    expect(frames[2]!.payload.length).toBe(0);
    expect(decodeResize(frames[3]!.payload)).toEqual({ columns: 120, rows: 40 });
    expect(decodeExit(frames[4]!.payload)).toBe(-1);
  });

  it('splits large data and refuses oversized frames', () => {
    const data = Buffer.alloc(MAX_ATTACH_FRAME_BYTES * 2 + 10, 7);
    const frames = encodeDataFrames(ATTACH_FRAME.stdin, data);
    expect(frames.map((f) => f.length - 5)).toEqual([MAX_ATTACH_FRAME_BYTES, MAX_ATTACH_FRAME_BYTES, 10]);

    const feed = createFrameDecoder(() => {});
    const header = Buffer.alloc(5);
    header.writeUInt8(ATTACH_FRAME.stdin, 0);
    header.writeUInt32BE(MAX_ATTACH_FRAME_BYTES + 1, 1);
    let err: unknown;
    try {
      feed(header);
    } catch (e) {
      err = e;
    }
    expect(isPaasError(err, 'invalid_params')).toBe(true);
  });

  it('clamps terminal sizes to 16 bits', () => {
    expect(decodeResize(encodeResizeFrame(70_000, -3).subarray(5))).toEqual({ columns: 0xffff, rows: 0 });
  });
});

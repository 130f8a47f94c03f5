/**
 * Splits Docker's multiplexed attach/log stream (8-byte frame headers: stream type, 3 zero bytes, a
 * big-endian length) into stdout and stderr chunks. Frames may arrive split across chunks.
 */
export function createDemuxer(onFrame: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let offset = 0;
    while (pending.length - offset >= 8) {
      const type = pending[offset];
      const size = pending.readUInt32BE(offset + 4);
      if (pending.length - offset - 8 < size) break;
      const payload = pending.subarray(offset + 8, offset + 8 + size);
      onFrame(type === 2 ? 'stderr' : 'stdout', payload);
      offset += 8 + size;
    }
    pending = offset === pending.length ? Buffer.alloc(0) : pending.subarray(offset);
  };
}

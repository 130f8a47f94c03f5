/**
 * The one buffer every socket of the router reads into. Reads are handled one at a time and to the end
 * before the next one, so a single buffer serves all of them; whatever must outlive a read (bytes
 * queued for a slow peer, a partial head, pipelined requests) is copied (`owned`). This spares a
 * native allocation per read and, on client sockets, the stream machinery (`push`, `'data'`, the
 * `nextTick` of every read).
 */
import { Socket } from 'node:net';

export const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const READ_MEMORY = READ_BUFFER.buffer;

/** `data` itself, or a copy of it when it is a view of the shared read buffer. */
export function owned(data: Buffer): Buffer {
  return data.buffer === READ_MEMORY ? Buffer.from(data) : data;
}

/** Whether `data` is a view of the shared read buffer (valid only during the read that produced it). */
export function isShared(data: Buffer): boolean {
  return data.buffer === READ_MEMORY;
}

/**
 * Called with the bytes of each read (`READ_BUFFER[0, n)`). Returning false stops reading, as
 * `socket.pause()` does.
 */
export type ReadCallback = (n: number) => boolean;

/**
 * `net.connect`'s `onread` option for sockets the router opens. A server's sockets have no such
 * option; `readShared` gives them the same behaviour through the socket's own `onread` slots.
 */
export function sharedReads(callback: ReadCallback): { buffer: Buffer; callback: (n: number) => boolean } {
  return { buffer: READ_BUFFER, callback };
}

/**
 * The private slots in which `net.Socket` keeps its `onread` option (the constructor always defines
 * them, empty unless `onread` was given), found once by their description; null when this version of
 * Node has no such slots, and client sockets then read through `'data'` events.
 */
const slots = ((): { buffer: symbol; callback: symbol } | null => {
  const probe = new Socket();
  const symbols = Object.getOwnPropertySymbols(probe);
  const buffer = symbols.find((s) => s.description === 'kBuffer');
  const callback = symbols.find((s) => s.description === 'kBufferCb');
  const generator = symbols.find((s) => s.description === 'kBufferGen');
  const ok =
    buffer !== undefined &&
    callback !== undefined &&
    generator !== undefined &&
    (probe as unknown as Record<symbol, unknown>)[buffer] === null &&
    (probe as unknown as Record<symbol, unknown>)[callback] === null;
  probe.destroy();
  return ok ? { buffer, callback } : null;
})();

type SocketSlots = Record<symbol, unknown> & { _handle?: { useUserBuffer?: (buf: Buffer) => void } | null };

/**
 * Makes an accepted (plain TCP) socket read into the shared buffer and report reads to `callback`
 * instead of emitting `'data'`, exactly as `net.connect({ onread })` does. Must be called before the
 * socket's first read (in the `'connection'` event). Returns false, changing nothing, when this is not
 * possible (TLS sockets, or a Node without the slots): the caller then listens to `'data'`.
 */
export function readShared(socket: Socket, callback: ReadCallback): boolean {
  if (slots === null) return false;
  const s = socket as unknown as SocketSlots;
  if (s[slots.buffer] !== null || socket.constructor !== Socket) return false;
  const handle = s._handle;
  if (handle === null || handle === undefined || typeof handle.useUserBuffer !== 'function') return false;
  handle.useUserBuffer(READ_BUFFER);
  s[slots.buffer] = READ_BUFFER;
  s[slots.callback] = callback;
  return true;
}

/** Gives a socket that reads into the shared buffer a new read callback; false when it reads otherwise. */
export function replaceReadCallback(socket: Socket, callback: ReadCallback): boolean {
  if (slots === null) return false;
  const s = socket as unknown as SocketSlots;
  if (s[slots.buffer] !== READ_BUFFER) return false;
  s[slots.callback] = callback;
  return true;
}

import type { Socket } from 'node:net';
import { READ_BUFFER, replaceReadCallback } from './read-buffer.js';
import type { UpstreamConnection } from './upstream-connection.js';

export interface Tunnel {
  close(): void;
}

/**
 * Pipes the client and the dyno both ways after a 101, with backpressure each way. Closes both sides
 * when either ends or when no byte moves either way for `idleMs` (the client socket's timeout counts
 * reads and completed writes, so a client that stops reading while the dyno sends is closed too).
 */
export function openTunnel(
  client: Socket,
  dyno: UpstreamConnection,
  responseHead: string,
  fromDyno: Buffer,
  fromClient: Buffer,
  idleMs: number,
  onClosed: (tunnel: Tunnel) => void,
): Tunnel {
  const upstream = dyno.socket;
  let closed = false;
  const tunnel: Tunnel = {
    close() {
      if (closed) return;
      closed = true;
      client.destroy();
      upstream.destroy();
      onClosed(tunnel);
    },
  };
  const close = () => tunnel.close();
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
  client.setTimeout(idleMs, close);
  client.write(responseHead, 'latin1');
  if (fromDyno.length > 0) client.write(fromDyno);
  if (fromClient.length > 0) upstream.write(fromClient);
  // Dyno to client by hand (the dyno socket reads into the router's shared buffer), client to dyno by pipe.
  dyno.forwardTo((data) => {
    if (!client.write(data)) upstream.pause();
  });
  client.on('drain', () => upstream.resume());
  upstream.on('end', () => client.end());
  upstream.resume();
  // Client to dyno: by hand too when the client socket reads into the shared buffer, else by pipe.
  const toDyno = (n: number): boolean => {
    if (!upstream.write(Buffer.from(READ_BUFFER.subarray(0, n)))) client.pause();
    return true;
  };
  if (replaceReadCallback(client, toDyno)) {
    upstream.on('drain', () => client.resume());
    client.on('end', () => upstream.end());
  } else {
    client.pipe(upstream);
  }
  return tunnel;
}

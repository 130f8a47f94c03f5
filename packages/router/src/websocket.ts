import { ServerResponse, validateHeaderName, validateHeaderValue, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ResponseHead } from './response-parser.js';

/**
 * The 101 response head for the client, written raw (node:http has no API for it on the server side),
 * so every field is validated here. Undefined when the dyno sent something unsendable.
 */
export function switchingProtocolsHead(response: ResponseHead, headers: string[]): string | undefined {
  const reason = response.statusMessage || 'Switching Protocols';
  if (/[\r\n]/.test(reason)) return undefined;
  let head = `HTTP/1.1 101 ${reason}\r\n`;
  try {
    for (let i = 0; i < headers.length; i += 2) {
      validateHeaderName(headers[i]!);
      validateHeaderValue(headers[i]!, headers[i + 1]!);
      head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    }
  } catch {
    return undefined;
  }
  return `${head}Connection: Upgrade\r\n\r\n`;
}

/**
 * A response for a request that node:http handed over as an upgrade (no ServerResponse of its own):
 * errors and non-101 answers are written with it, then the connection is closed.
 */
export function createDetachedResponse(req: IncomingMessage, socket: Socket): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.on('finish', () => socket.end());
  return res;
}

export interface Tunnel {
  close(): void;
}

/**
 * Pipes the client and the dyno both ways after a 101. Closes both sides when either ends or when no
 * byte moves either way for `idleMs` (the client socket's timeout counts reads and writes).
 */
export function openTunnel(
  client: Socket,
  upstream: Socket,
  responseHead: string,
  early: Buffer,
  idleMs: number,
  onClosed: (tunnel: Tunnel) => void,
): Tunnel {
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
  client.setNoDelay(true);
  client.write(responseHead, 'latin1');
  if (early.length > 0) client.write(early);
  upstream.pipe(client);
  client.pipe(upstream);
  return tunnel;
}

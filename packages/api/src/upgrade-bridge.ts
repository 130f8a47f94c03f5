import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';

interface Upgrade {
  socket: Duplex;
  /** Bytes the client sent after its request head, already read from the socket. */
  head: Buffer;
}

const upgrades = new WeakMap<IncomingMessage, Upgrade>();

/**
 * Node hands HTTP upgrade requests to the server's `upgrade` event, past fastify. This routes them through
 * fastify like any request, so auth, validation and the error handler apply; a route that speaks the
 * protocol takes the socket with `takeUpgrade`. Anything else answers with a normal HTTP response, after
 * which the socket is closed (nothing parses HTTP on it any more).
 */
export function installUpgradeBridge(app: FastifyInstance): void {
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrades.set(req, { socket, head });
    socket.on('error', () => socket.destroy());
    const res = new ServerResponse(req);
    // An answer other than the upgrade is the last thing on this connection.
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.on('finish', () => {
      if (upgrades.has(req)) socket.end();
    });
    app.routing(req, res);
  });
}

/** The request came through an HTTP upgrade whose socket nobody has taken yet. */
export function isUpgrade(req: IncomingMessage): boolean {
  return upgrades.has(req);
}

/** The upgraded socket of a request, once: undefined for a plain request (or when already taken). */
export function takeUpgrade(req: IncomingMessage): Upgrade | undefined {
  const upgrade = upgrades.get(req);
  upgrades.delete(req);
  return upgrade;
}

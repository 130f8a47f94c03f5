import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates } from 'node:tls';
import type { DrainTransport } from './drain.js';
import type { DrainTarget } from './drain-url.js';
import { frameOctetCounted } from './syslog-frame.js';

export interface TlsTrust {
  /** Extra CA certificates (PEM) trusted besides the system's, e.g. for a drain with a private CA. */
  ca?: string;
}

/** Syslog over TCP (or TLS) with RFC 6587 octet counting; one connection, opened when first needed. */
export function createSyslogTransport(target: DrainTarget, trust: TlsTrust = {}): DrainTransport {
  let socket: Socket | undefined;
  let connecting: Promise<Socket> | undefined;

  const open = (): Promise<Socket> => {
    if (socket && !socket.destroyed && socket.writable) return Promise.resolve(socket);
    socket = undefined;
    connecting ??= new Promise<Socket>((resolve, reject) => {
      const s = target.tls
        ? tlsConnect({ host: target.host, port: target.port, servername: target.host, ...(trust.ca ? { ca: [...rootCertificates, trust.ca] } : {}) })
        : netConnect({ host: target.host, port: target.port });
      s.setNoDelay(true);
      s.once(target.tls ? 'secureConnect' : 'connect', () => {
        connecting = undefined;
        socket = s;
        resolve(s);
      });
      const fail = (err: Error) => {
        if (socket === s) socket = undefined;
        else connecting = undefined;
        s.destroy();
        reject(err);
      };
      s.on('error', fail);
      s.once('close', () => fail(new Error('syslog connection closed')));
      // The receiver has nothing to say; reading keeps the socket from filling its receive buffer.
      s.resume();
    });
    return connecting;
  };

  return {
    async deliver(messages) {
      const s = await open();
      let data = '';
      for (const m of messages) data += frameOctetCounted(m);
      await new Promise<void>((resolve, reject) => {
        const onClose = () => reject(new Error('syslog connection closed'));
        s.once('close', onClose);
        if (s.destroyed || !s.writable) return onClose();
        s.write(data, (err) => {
          s.off('close', onClose);
          if (err) reject(err);
          else resolve();
        });
      });
      return 'ok';
    },
    reset() {
      socket?.destroy();
    },
    close() {
      socket?.destroy();
    },
  };
}

import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { DrainTransport } from './drain.js';
import type { DrainTarget } from './drain-url.js';
import { frameOctetCounted } from './syslog-frame.js';
import type { TlsTrust } from './syslog-transport.js';

/**
 * HTTPS drain: each delivery is one POST of octet-counted RFC 5424 messages, as Heroku's Logplex sends
 * them (`application/logplex-1`, with `Logplex-Msg-Count`, `Logplex-Frame-Id`, `Logplex-Drain-Token`).
 * 2xx delivers; other 4xx (but 408 and 429) refuse the batch for good; anything else is retried.
 */
export function createHttpTransport(target: DrainTarget, token: string, trust: TlsTrust = {}, userAgent = 'paas-logs'): DrainTransport {
  const url = new URL(target.url);
  const agent = target.tls
    ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ...(trust.ca ? { ca: [...rootCertificates, trust.ca] } : {}) })
    : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const send = target.tls ? httpsRequest : httpRequest;
  const auth = url.username ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : undefined;
  let current: ClientRequest | undefined;

  return {
    deliver(messages) {
      let body = '';
      for (const m of messages) body += frameOctetCounted(m);
      const payload = Buffer.from(body, 'utf8');
      return new Promise((resolve, reject) => {
        const req = send(
          {
            agent,
            host: target.host,
            port: target.port,
            path: `${url.pathname}${url.search}`,
            method: 'POST',
            servername: target.host,
            headers: {
              'content-type': 'application/logplex-1',
              'content-length': String(payload.length),
              'logplex-msg-count': String(messages.length),
              'logplex-frame-id': randomUUID(),
              'logplex-drain-token': token,
              'user-agent': userAgent,
              ...(auth ? { authorization: auth } : {}),
            },
          },
          (res) => {
            res.resume();
            res.once('end', () => {
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) resolve('ok');
              else if (status >= 400 && status < 500 && status !== 408 && status !== 429) resolve('rejected');
              else reject(new Error(`the drain answered ${status}`));
            });
            res.once('error', reject);
          },
        );
        current = req;
        req.once('error', reject);
        req.once('close', () => {
          if (current === req) current = undefined;
        });
        req.end(payload);
      });
    },
    reset() {
      current?.destroy(new Error('delivery timed out'));
    },
    close() {
      current?.destroy();
      agent.destroy();
    },
  };
}

/**
 * Helpers for the router's integration tests: real backends, a real router, raw sockets. Not part of
 * the build (see tsconfig), not exported.
 */
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterEach } from 'vitest';
import type { AppRoute, Logger, RouteBackend, RouteTable } from '@paas/core';
import { createRouter } from './router.js';
import type { Router, RouterOptions } from './types.js';
import { DEFAULT_ROUTER_OPTIONS } from './options.js';

export interface TestBackend {
  port: number;
  server: Server;
  /** Requests received, in order. */
  requests: IncomingMessage[];
  route(dyno?: string): RouteBackend;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const defaultHandler: Handler = (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello from ${req.url}`);
  });
};

export async function startBackend(handler: Handler = defaultHandler, name = 'web.1'): Promise<TestBackend> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    requests,
    route: (dyno = name) => ({ dyno, host: '127.0.0.1', port }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A port where connections are never accepted: a worker thread listens with a backlog of 1 and blocks
 * its event loop; once the kernel's accept queue is full, new connection attempts just hang (H19).
 */
export async function startBlackhole(): Promise<{ port: number; close(): Promise<void> }> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const server = require('node:net').createServer();
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(workerData, 0, 0);
       server.close();
     });`,
    { eval: true, workerData: flag },
  );
  const [port] = (await once(worker, 'message')) as [number];
  const fillers: Socket[] = [];
  for (let i = 0; i < 16; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    fillers.push(s);
    // A connect that does not complete quickly means the queue is full.
    const connected = await Promise.race([
      once(s, 'connect').then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 200)),
    ]);
    if (!connected) break;
  }
  return {
    port,
    close: async () => {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      for (const s of fillers) s.destroy();
      await worker.terminate();
    },
  };
}

export interface LogEntry {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

export function recordingLogger(entries: LogEntry[] = []): Logger & { entries: LogEntry[] } {
  const log =
    (level: string) =>
    (obj: object, msg?: string): void => {
      entries.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  const logger = {
    entries,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  return logger;
}

export interface TestRouter {
  router: Router;
  port: number;
  /** The HTTPS port, when started with `tls`. */
  tlsPort: number;
  /** Access log lines per app, in order. */
  lines: { app: string; line: string }[];
  logger: ReturnType<typeof recordingLogger>;
  close(): Promise<void>;
}

export async function startRouter(
  table: RouteTable,
  options: Partial<RouterOptions> = {},
  deps: { random?: () => number; tls?: boolean } = {},
): Promise<TestRouter> {
  const lines: { app: string; line: string }[] = [];
  const logger = recordingLogger();
  const router = createRouter({
    options: { ...DEFAULT_ROUTER_OPTIONS, ...options },
    logger,
    accessLog: (app, line) => lines.push({ app, line }),
    ...(deps.random ? { random: deps.random } : {}),
  });
  await router.applyTable(table);
  const port = await router.listen(0, '127.0.0.1');
  const tlsPort = deps.tls === true ? await router.listenTls(0, '127.0.0.1') : 0;
  return { router, port, tlsPort, lines, logger, close: () => router.close() };
}

export function app(name: string, hosts: string[], backends: RouteBackend[], state: AppRoute['state'] = 'up'): AppRoute {
  return { app: name, hosts, state, backends };
}

export function table(version: number, ...apps: AppRoute[]): RouteTable {
  return { version, apps };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

/** One request on a fresh connection. */
export function send(
  port: number,
  options: { host: string; path?: string; method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path ?? '/',
        method: options.method ?? 'GET',
        headers: {
          host: options.host,
          ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }),
          ...options.headers,
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Writes raw bytes and collects everything until the server closes or `until` matches. */
export function raw(
  port: number,
  data: string | Buffer,
  opts: { until?: (text: string) => boolean; timeoutMs?: number } = {},
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 3000);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      if (opts.until?.(text)) finish(false);
    });
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
    socket.write(data);
  });
}

/** A raw connection to drive step by step. */
export async function openRaw(port: number): Promise<{ socket: Socket; received: () => string; waitFor: (pred: (text: string) => boolean, ms?: number) => Promise<string>; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    text += d;
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    received: () => text,
    waitFor: (pred, ms = 3000) => waitFor(() => (pred(text) ? text : undefined), ms, () => `raw socket got: ${JSON.stringify(text)}`),
    closed,
  };
}

/** Polls until `check` returns (or resolves to) a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 3000,
  describe?: () => string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms${describe ? `: ${describe()}` : ''}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Parses `key=value` and `key="value"` pairs of a router log line. */
export function parseLine(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of line.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const v = m[2]!;
    out[m[1]!] = v.startsWith('"') ? v.slice(1, -1) : v;
  }
  return out;
}

/**
 * Registers an `afterEach` that runs what the test deferred, last first (routers before their
 * backends); returns `defer`.
 */
export function cleanupAfterEach(): (close: () => Promise<void>) => void {
  const pending: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of pending.splice(0).reverse()) await close();
  });
  return (close) => void pending.push(close);
}

/** `startRouter` and `startBackend` whose results are closed after each test. */
export function closedAfterEach(): { router: typeof startRouter; backend: typeof startBackend; defer: (close: () => Promise<void>) => void } {
  const defer = cleanupAfterEach();
  return {
    router: async (...args) => {
      const r = await startRouter(...args);
      defer(() => r.close());
      return r;
    },
    backend: async (...args) => {
      const b = await startBackend(...args);
      defer(() => b.close());
      return b;
    },
    defer,
  };
}

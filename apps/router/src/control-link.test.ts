import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouteTable } from '@paas/core';
import { silentLogger } from '@paas/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlLink, type ControlLink } from './control-link.js';

// The thread runs compiled code (worker threads do not run TypeScript); the test command builds first.
const THREAD_URL = new URL('../dist/control-link-thread.js', import.meta.url);

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
}

/** A control API: hands out `tables` one poll at a time (then holds polls), records every request. */
async function fakeApi(tables: RouteTable[], reportStatus = 204): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
      if (req.url?.startsWith('/router/table')) {
        const next = tables.shift();
        if (next !== undefined) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(next));
        // Held: the link aborts it when it stops watching.
      } else if (req.url === '/router/reports') {
        res.writeHead(reportStatus, { 'content-type': 'application/json' }).end(reportStatus === 204 ? undefined : JSON.stringify({ id: 'internal_error', message: 'boom' }));
      } else {
        res.writeHead(204).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

async function until<T>(check: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('control link thread', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function start(tables: RouteTable[], reportStatus?: number) {
    const api = await fakeApi(tables, reportStatus);
    cleanup.push(() => {
      api.server.closeAllConnections();
      api.server.close();
    });
    const dir = mkdtempSync(join(tmpdir(), 'paas-link-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const applied: RouteTable[] = [];
    const failures: Error[] = [];
    const link: ControlLink = startControlLink({
      threadUrl: THREAD_URL,
      // Not the test runner's flags (they resolve workspace packages to their TypeScript sources).
      threadExecArgv: [],
      settings: { apiUrl: api.url, apiToken: 'tok', userAgent: 'test', routerId: 'host-1-abc', since: 3, tablePath: join(dir, 'table.json') },
      applyTable: async (t) => void applied.push(t),
      logger: silentLogger,
      onFailure: (err) => failures.push(err),
    });
    cleanup.push(() => link.close());
    return { api, link, applied, failures, tablePath: join(dir, 'table.json') };
  }

  it('applies the tables the control plane sends, acknowledges each, and saves the last', async () => {
    const t5: RouteTable = { version: 5, apps: [{ app: 'a', hosts: ['a.test'], state: 'up', backends: [] }] };
    const t6: RouteTable = { version: 6, apps: [] };
    const { api, applied, tablePath } = await start([t5, t6]);
    await until(() => (applied.length === 2 ? true : undefined));
    expect(applied.map((t) => t.version)).toEqual([5, 6]);
    // Each poll says which version is applied (and drained): first the one served at the start.
    const polls = await until(() => {
      const p = api.seen.filter((s) => s.url.startsWith('/router/table'));
      return p.length >= 3 ? p : undefined;
    });
    expect(polls.map((p) => new URL(p.url, 'http://x').searchParams.get('since'))).toEqual(['3', '5', '6']);
    expect(polls[0]!.auth).toBe('Bearer tok');
    expect(new URL(polls[0]!.url, 'http://x').searchParams.get('router')).toBe('host-1-abc');
    await until(() => {
      try {
        return (JSON.parse(readFileSync(tablePath, 'utf8')) as RouteTable).version === 6 ? true : undefined;
      } catch {
        return undefined;
      }
    });
  });

  it('sends reports with exactly the bytes given, reports failures, and says goodbye on close', async () => {
    const { api, link, failures } = await start([]);
    const big = Buffer.from('[{"router":"r"}]xxxxxxxx');
    // A view into a larger buffer, as the reporter's are: only the view is sent.
    await link.target.routerReportJson(big.subarray(0, 16));
    const report = await until(() => api.seen.find((s) => s.url === '/router/reports'));
    expect(report).toMatchObject({ method: 'POST', body: '[{"router":"r"}]' });

    await link.stopWatching();
    await link.close();
    const leave = api.seen.find((s) => s.method === 'DELETE');
    expect(leave?.url).toBe('/router/routers/host-1-abc');
    expect(failures).toEqual([]);
    await expect(link.target.routerReportJson(Buffer.from('[]'))).rejects.toThrow(/closed/);
  });

  it('rejects a report the control plane refuses', async () => {
    const { link } = await start([], 500);
    await expect(link.target.routerReportJson(Buffer.from('{}'))).rejects.toThrow(/boom/);
  });
});

import type { Readable } from 'node:stream';
import type { App, Build, Dyno, Formation, Health, Release, RouteTable, Source } from '@paas/core';
import { HttpTransport, type ClientOptions } from './http.js';

export interface RouterTableRequest {
  /** Version the router has applied and drained; the API answers once a newer one exists. */
  since: number;
  /** Stable id of this router process, so the control plane can wait for every router's drain. */
  routerId: string;
  /** Longest time the API holds the request when nothing changed. */
  waitSeconds: number;
  signal?: AbortSignal;
}

export interface UploadProgress {
  /** Bytes sent so far. */
  sent: number;
}

/** Typed access to the control API. The CLI and the router talk to the platform only through this. */
export class PaasClient {
  readonly http: HttpTransport;

  constructor(readonly options: ClientOptions) {
    this.http = new HttpTransport(options);
  }

  health(): Promise<Health> {
    return this.http.json('/healthz');
  }

  // ---- apps ----
  listApps(): Promise<App[]> {
    return this.http.json('/apps');
  }
  createApp(name: string): Promise<App> {
    return this.http.json('/apps', { method: 'POST', body: { name } });
  }
  getApp(app: string): Promise<App> {
    return this.http.json(`/apps/${encodeURIComponent(app)}`);
  }
  destroyApp(app: string): Promise<App> {
    return this.http.json(`/apps/${encodeURIComponent(app)}`, { method: 'DELETE' });
  }

  // ---- sources and builds ----
  /** Uploads a gzip tarball of the app's source. */
  uploadSource(app: string, tarball: Readable, size?: number): Promise<Source> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/sources`, {
      method: 'POST',
      stream: tarball,
      headers: { 'content-type': 'application/gzip', ...(size === undefined ? {} : { 'content-length': String(size) }) },
    });
  }
  createBuild(app: string, source: { id: string; version?: string }): Promise<Build> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/builds`, {
      method: 'POST',
      body: { source_blob: { id: source.id, version: source.version ?? null } },
    });
  }
  getBuild(app: string, id: string): Promise<Build> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/builds/${encodeURIComponent(id)}`);
  }
  listBuilds(app: string): Promise<Build[]> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/builds`);
  }
  /** The build's output as it is produced, ending when the build and its release are done. */
  async *buildOutput(app: string, id: string, signal?: AbortSignal): AsyncIterable<string> {
    const res = await this.http.raw(`/apps/${encodeURIComponent(app)}/builds/${encodeURIComponent(id)}/output`, {
      headers: { accept: 'text/plain' },
      ...(signal ? { signal } : {}),
    });
    res.body.setEncoding('utf8');
    for await (const chunk of res.body) yield chunk as string;
  }

  // ---- releases ----
  listReleases(app: string): Promise<Release[]> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/releases`);
  }
  getRelease(app: string, idOrVersion: string | number): Promise<Release> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/releases/${encodeURIComponent(String(idOrVersion))}`);
  }

  // ---- dynos and formation ----
  listDynos(app: string): Promise<Dyno[]> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/dynos`);
  }
  listFormation(app: string): Promise<Formation[]> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/formation`);
  }

  // ---- router ----
  /** Long-polls the route table: a newer table, or null when nothing changed within the wait. */
  async routerTable(req: RouterTableRequest): Promise<RouteTable | null> {
    const res = await this.http.raw('/router/table', {
      query: { since: req.since, router: req.routerId, wait: req.waitSeconds },
      accept: [304],
      headersTimeoutMs: (req.waitSeconds + 10) * 1000,
      ...(req.signal ? { signal: req.signal } : {}),
    });
    if (res.status === 304) {
      await res.body.dump();
      return null;
    }
    return (await res.body.json()) as RouteTable;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

export function createClient(options: ClientOptions): PaasClient {
  return new PaasClient(options);
}

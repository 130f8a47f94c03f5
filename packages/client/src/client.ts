import type { Readable } from 'node:stream';
import type { App, AppMetrics, Build, Domain, Dyno, Formation, Health, Release, RouteTable, RouterReport, SniEndpoint, Source } from '@paas/core';
import { PaasError, type DynoCreate, type FormationUpdate } from '@paas/core';
import type { LogDrain, LogRecord, LogSource } from '@paas/core';
import { openAttachment, type DynoAttachment } from './attach.js';
import { HttpTransport, type ClientOptions } from './http.js';

/** Scaling, restarts and stops answer once done: new web dynos must boot, old ones drain and stop. */
const LONG_OPERATION_MS = 10 * 60_000;

export interface RouterTableRequest {
  /** Version the router has applied and drained; the API answers once a newer one exists. */
  since: number;
  /** Stable id of this router process, so the control plane can wait for every router's drain. */
  routerId: string;
  /** Longest time the API holds the request when nothing changed. */
  waitSeconds: number;
  signal?: AbortSignal;
}

/** Which lines `logs()` asks for. */
export interface LogsRequest {
  /** The last this many lines (1 to 1500; the API's default is 100). */
  lines?: number;
  tail?: boolean;
  source?: LogSource;
  /** A dyno (`web.1`, `router`) or a process type (`web`). */
  dyno?: string;
  /** Resume: every kept line after this sequence number. */
  after?: number;
}

/** A user who may use an app: its owner or a collaborator. */
export interface Collaborator {
  app: { name: string };
  user: { id: string; email: string };
  role: 'owner' | 'collaborator';
  created_at: string;
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
  /** A rollback: a new release from an earlier one's slug and config (default: the one before current). */
  rollback(app: string, release?: string | number): Promise<Release> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/releases`, {
      method: 'POST',
      body: release === undefined ? {} : { release: String(release) },
    });
  }
  /** Output of a config or rollback release as it happens, ending when the release is live or failed. */
  async *releaseOutput(app: string, idOrVersion: string | number, signal?: AbortSignal): AsyncIterable<string> {
    const res = await this.http.raw(`/apps/${encodeURIComponent(app)}/releases/${encodeURIComponent(String(idOrVersion))}/output`, {
      headers: { accept: 'text/plain' },
      ...(signal ? { signal } : {}),
    });
    res.body.setEncoding('utf8');
    for await (const chunk of res.body) yield chunk as string;
  }

  // ---- config vars ----
  getConfigVars(app: string): Promise<Record<string, string>> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/config-vars`);
  }
  /**
   * Sets (string) and unsets (null) config vars. Returns the new config and the release it made, or no
   * release when nothing changed.
   */
  async updateConfigVars(
    app: string,
    changes: Record<string, string | null>,
    options: { restart?: boolean } = {},
  ): Promise<{ config: Record<string, string>; release: { id: string; version: number } | null }> {
    const res = await this.http.raw(`/apps/${encodeURIComponent(app)}/config-vars`, {
      method: 'PATCH',
      body: changes,
      ...(options.restart === false ? { query: { restart: 'false' } } : {}),
    });
    const config = (await res.body.json()) as Record<string, string>;
    const id = res.headers['paas-release-id'];
    const version = Number(res.headers['paas-release-version']);
    return { config, release: typeof id === 'string' && Number.isInteger(version) ? { id, version } : null };
  }

  // ---- dynos and formation ----
  listDynos(app: string): Promise<Dyno[]> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/dynos`);
  }
  listFormation(app: string): Promise<Formation[]> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/formation`);
  }

  // ---- domains, certificates, maintenance, metrics ----
  listDomains(app: string): Promise<Domain[]> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/domains`);
  }
  addDomain(app: string, hostname: string): Promise<Domain> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/domains`, { method: 'POST', body: { hostname } });
  }
  removeDomain(app: string, hostname: string): Promise<Domain> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/domains/${encodeURIComponent(hostname)}`, { method: 'DELETE' });
  }
  listCertificates(app: string): Promise<SniEndpoint[]> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/sni-endpoints`);
  }
  addCertificate(app: string, certificateChain: string, privateKey: string, name?: string): Promise<SniEndpoint> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/sni-endpoints`, {
      method: 'POST',
      body: { certificate_chain: certificateChain, private_key: privateKey, ...(name ? { name } : {}) },
    });
  }
  removeCertificate(app: string, idOrName: string): Promise<SniEndpoint> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/sni-endpoints/${encodeURIComponent(idOrName)}`, { method: 'DELETE' });
  }
  setMaintenance(app: string, on: boolean): Promise<App> {
    return this.http.json(`/apps/${encodeURIComponent(app)}`, { method: 'PATCH', body: { maintenance: on } });
  }
  getMetrics(app: string): Promise<AppMetrics> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/metrics`);
  }

  // ---- users and access ----
  /** Exchanges an email and password for a new API token (no token needed for this call). */
  login(email: string, password: string): Promise<{ token: string; user: { id: string; email: string; admin: boolean } }> {
    return this.http.json('/auth/login', { method: 'POST', body: { email, password } });
  }
  /** Revokes the token this client uses. */
  async logout(): Promise<void> {
    await this.http.json('/auth/token', { method: 'DELETE' });
  }
  account(): Promise<{ id: string; email: string; admin: boolean }> {
    return this.http.json('/account');
  }
  listUsers(): Promise<{ id: string; email: string; admin: boolean; created_at: string }[]> {
    return this.http.json('/users');
  }
  /** Creates a user; without a password one is generated and returned once. */
  createUser(email: string, options: { password?: string; admin?: boolean } = {}): Promise<{ id: string; email: string; admin: boolean; password?: string }> {
    return this.http.json('/users', { method: 'POST', body: { email, ...options } });
  }
  listCollaborators(app: string): Promise<Collaborator[]> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/collaborators`);
  }
  addCollaborator(app: string, email: string): Promise<Collaborator> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/collaborators`, { method: 'POST', body: { user: email } });
  }
  removeCollaborator(app: string, email: string): Promise<Collaborator> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/collaborators/${encodeURIComponent(email)}`, { method: 'DELETE' });
  }

  // ---- operations ----
  /** Garbage collection: what was removed (or would be, on a dry run). */
  collectGarbage(dryRun: boolean): Promise<{ dry_run: boolean; items: { kind: string; name: string; app?: string; bytes: number }[]; bytes: number }> {
    return this.http.json('/admin/gc', { method: 'POST', body: { dry_run: dryRun } });
  }
  diskUsage(app: string): Promise<{ slugs: number; slugs_bytes: number; cache_bytes: number; total_bytes: number }> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/disk-usage`);
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

  /** The router process is stopping: deploys need not wait for it to acknowledge tables. */
  async routerLeave(routerId: string, signal?: AbortSignal): Promise<void> {
    await this.http.json(`/router/routers/${encodeURIComponent(routerId)}`, { method: 'DELETE', ...(signal ? { signal } : {}) });
  }

  /** A router's access-log lines and metrics since its previous report. */
  async routerReport(report: RouterReport, signal?: AbortSignal): Promise<void> {
    await this.http.json('/router/reports', { method: 'POST', body: report, ...(signal ? { signal } : {}) });
  }

  /** The same, with the `RouterReport` already serialised as JSON (routers build it from buffers). */
  async routerReportJson(json: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.http.json('/router/reports', { method: 'POST', json, ...(signal ? { signal } : {}) });
  }

  // ---- one-off dynos, scaling, restarts ----
  getDyno(app: string, dyno: string): Promise<Dyno> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/dynos/${encodeURIComponent(dyno)}`);
  }
  /** Scales and resizes process types; answers once new dynos are started and removed ones stopped. */
  updateFormation(app: string, updates: FormationUpdate[]): Promise<Formation[]> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/formation`, { method: 'PATCH', body: { updates }, headersTimeoutMs: LONG_OPERATION_MS });
  }
  /** Restarts every dyno, a process type's (`web`) or one dyno (`web.1`); answers once done, with the dynos. */
  restartDynos(app: string, dynoOrType?: string): Promise<Dyno[]> {
    const path = dynoOrType === undefined ? '' : `/${encodeURIComponent(dynoOrType)}`;
    return this.http.json(`/apps/${encodeURIComponent(app)}/dynos${path}`, { method: 'DELETE', headersTimeoutMs: LONG_OPERATION_MS });
  }
  /** Stops one dyno; a formation dyno is started again by the platform, a one-off dyno ends. */
  stopDyno(app: string, dyno: string): Promise<Dyno[]> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/dynos/${encodeURIComponent(dyno)}/actions/stop`, {
      method: 'POST',
      headersTimeoutMs: LONG_OPERATION_MS,
    });
  }
  /** Starts a one-off dyno (`run.N`); with `attach`, connect to its `attach_url` with `attachDyno`. */
  createDyno(app: string, body: DynoCreate): Promise<Dyno> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/dynos`, { method: 'POST', body });
  }
  /** Connects to an attached one-off dyno: its stdin, output, TTY size, signals and exit status. */
  async attachDyno(dyno: Pick<Dyno, 'attach_url'>, signal?: AbortSignal): Promise<DynoAttachment> {
    if (!dyno.attach_url) throw new PaasError('invalid_params', 'The dyno was not started attached.');
    return openAttachment({
      url: this.http.url(dyno.attach_url),
      token: this.options.token,
      userAgent: this.options.userAgent ?? 'paas-client',
      ...(signal ? { signal } : {}),
    });
  }

  // ---- logs and drains ----
  /**
   * The app's log stream, record by record: the last `lines` lines (or every kept line after `after`),
   * then with `tail` new ones until `signal` aborts or the connection ends.
   */
  async *logs(app: string, query: LogsRequest = {}, signal?: AbortSignal): AsyncIterable<LogRecord> {
    const res = await this.http.raw(`/apps/${encodeURIComponent(app)}/logs`, {
      query: {
        lines: query.lines,
        tail: query.tail ? 'true' : undefined,
        source: query.source,
        dyno: query.dyno,
        after: query.after,
      },
      headers: { accept: 'application/x-ndjson' },
      ...(signal ? { signal } : {}),
    });
    res.body.setEncoding('utf8');
    let pending = '';
    for await (const chunk of res.body) {
      pending += chunk as string;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const text = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (text.trim() !== '') yield JSON.parse(text) as LogRecord;
      }
    }
  }
  listLogDrains(app: string): Promise<LogDrain[]> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/log-drains`);
  }
  addLogDrain(app: string, url: string): Promise<LogDrain> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/log-drains`, { method: 'POST', body: { url } });
  }
  /** By id, token or URL. */
  removeLogDrain(app: string, ref: string): Promise<LogDrain> {
    return this.http.json(`/apps/${encodeURIComponent(app)}/log-drains/${encodeURIComponent(ref)}`, { method: 'DELETE' });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

export function createClient(options: ClientOptions): PaasClient {
  return new PaasClient(options);
}

import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { PaasError, type Clock, type LogDrain, type LogLine, type Logger } from '@paas/core';
import { Drain, type DrainOptions, type DrainTransport } from './drain.js';
import { parseDrainUrl, redactDrainUrl, type DrainTarget } from './drain-url.js';
import { createHttpTransport } from './http-transport.js';
import { createSyslogTransport, type TlsTrust } from './syslog-transport.js';

/** Makes the transport of a drain; tests pass fakes. */
export type TransportFactory = (target: DrainTarget, token: string) => DrainTransport;

export interface DrainRegistryOptions {
  /** Where the drains are kept (JSON); in memory only when unset. */
  file: string | undefined;
  /** Drains per app (Heroku: 5). */
  maxPerApp: number;
  drain: DrainOptions;
  trust: TlsTrust;
  clock: Clock;
  logger: Logger;
  transport?: TransportFactory;
}

interface Stored extends LogDrain {
  app_id: string;
}

/** The apps' drains: their records (kept on disk) and a running `Drain` for each. */
export class DrainRegistry {
  private readonly records = new Map<string, Stored[]>();
  private readonly running = new Map<string, Drain>();
  private readonly transport: TransportFactory;

  constructor(private readonly options: DrainRegistryOptions) {
    this.transport =
      options.transport ??
      ((target, token) => (target.protocol === 'syslog' ? createSyslogTransport(target, options.trust) : createHttpTransport(target, token, options.trust)));
    for (const stored of this.load()) {
      try {
        this.start(stored);
        this.recordsOf(stored.app_id).push(stored);
      } catch (err) {
        options.logger.warn({ err: (err as Error).message, drain: stored.id }, 'skipping a stored log drain');
      }
    }
  }

  list(appId: string): LogDrain[] {
    return (this.records.get(appId) ?? []).map(toResource);
  }

  add(appId: string, url: string): LogDrain {
    const target = parseDrainUrl(url);
    const drains = this.recordsOf(appId);
    if (drains.some((d) => d.url === target.url)) throw new PaasError('invalid_params', 'This app already has a drain with that URL.');
    if (drains.length >= this.options.maxPerApp) {
      throw new PaasError('invalid_params', `An app can have at most ${this.options.maxPerApp} log drains; remove one first.`);
    }
    const stored: Stored = { app_id: appId, id: randomUUID(), url: target.url, token: `d.${randomUUID()}`, created_at: new Date(this.options.clock.now()).toISOString() };
    this.start(stored);
    drains.push(stored);
    this.save();
    this.options.logger.info({ appId, drain: stored.id, url: redactDrainUrl(stored.url) }, 'log drain added');
    return toResource(stored);
  }

  /** By id, token or URL. */
  remove(appId: string, ref: string): LogDrain {
    const drains = this.records.get(appId) ?? [];
    const index = drains.findIndex((d) => d.id === ref || d.token === ref || d.url === ref || d.url === safeNormalize(ref));
    if (index < 0) throw new PaasError('not_found', `No log drain ${ref} on this app.`);
    const [stored] = drains.splice(index, 1);
    this.running.get(stored!.id)?.close();
    this.running.delete(stored!.id);
    this.save();
    return toResource(stored!);
  }

  removeApp(appId: string): void {
    const drains = this.records.get(appId);
    if (!drains) return;
    for (const d of drains) this.running.get(d.id)?.close();
    for (const d of drains) this.running.delete(d.id);
    this.records.delete(appId);
    this.save();
  }

  appIds(): string[] {
    return [...this.records.keys()];
  }

  /** Copies committed lines to the app's drains; never waits. */
  deliver(appId: string, lines: LogLine[]): void {
    const drains = this.records.get(appId);
    if (!drains) return;
    for (const d of drains) {
      const drain = this.running.get(d.id);
      if (drain) for (const line of lines) drain.push(line);
    }
  }

  /** The running drain of a record, for tests and diagnostics. */
  find(id: string): Drain | undefined {
    return this.running.get(id);
  }

  close(): void {
    for (const d of this.running.values()) d.close();
    this.running.clear();
  }

  private start(stored: Stored): void {
    const target = parseDrainUrl(stored.url);
    const { drain, clock, logger } = this.options;
    this.running.set(stored.id, new Drain(stored.token, this.transport(target, stored.token), drain, clock, logger.child({ drain: stored.id })));
  }

  private recordsOf(appId: string): Stored[] {
    let drains = this.records.get(appId);
    if (!drains) this.records.set(appId, (drains = []));
    return drains;
  }

  private load(): Stored[] {
    const { file } = this.options;
    if (!file || !existsSync(file)) return [];
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { drains?: Stored[] };
      return Array.isArray(parsed.drains) ? parsed.drains : [];
    } catch (err) {
      this.options.logger.error({ err: (err as Error).message }, 'cannot read the stored log drains');
      return [];
    }
  }

  private save(): void {
    const { file } = this.options;
    if (!file) return;
    const drains = [...this.records.values()].flat();
    writeFileSync(`${file}.tmp`, `${JSON.stringify({ version: 1, drains }, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
}

function toResource(d: Stored): LogDrain {
  return { id: d.id, url: d.url, token: d.token, created_at: d.created_at };
}

function safeNormalize(ref: string): string | undefined {
  try {
    return parseDrainUrl(ref).url;
  } catch {
    return undefined;
  }
}

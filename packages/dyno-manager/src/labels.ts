import { parseDynoName } from '@paas/core';

/**
 * The labels on every dyno container. They are a contract: the manager rebuilds its state from them after
 * a restart, and other components (log collection, cleanup) select dynos by them.
 */
export const DYNO_LABELS = {
  /** `1` on every container the platform manages. */
  managed: 'paas.managed',
  /** `dyno` for the formation's dynos, `run` for one-off dynos (`run.N`, `release.N`), which are never adopted as formation. */
  kind: 'paas.kind',
  appId: 'paas.app_id',
  /** App name. */
  app: 'paas.app',
  releaseId: 'paas.release_id',
  /** Release version number, e.g. `3`. */
  releaseVersion: 'paas.release_version',
  processType: 'paas.process_type',
  /** Dyno name, e.g. `web.1`. */
  dyno: 'paas.dyno',
  /** Dyno size name, e.g. `basic`. */
  size: 'paas.size',
  /** Which platform instance owns the dyno, so two platforms can share one engine without adopting each other's dynos. */
  platform: 'paas.platform',
  /** `1` on a one-off dyno a client is attached to (`paas run`): its output is the client's, not the logs'. */
  attached: 'paas.attached',
} as const;

/** Selects every dyno container, of any platform instance. */
export const DYNO_SELECTOR: Readonly<Record<string, string>> = Object.freeze({
  [DYNO_LABELS.managed]: '1',
  [DYNO_LABELS.kind]: 'dyno',
});

/** `paas.kind` of one-off dynos. */
export const ONE_OFF_KIND = 'run';

/** Selects the one-off dyno containers of one platform instance. */
export function oneOffSelector(platform: string): Readonly<Record<string, string>> {
  return Object.freeze({ [DYNO_LABELS.managed]: '1', [DYNO_LABELS.kind]: ONE_OFF_KIND, [DYNO_LABELS.platform]: platform });
}

/** Who a dyno container is, as its labels say. */
export interface DynoIdentity {
  appId: string;
  appName: string;
  releaseId: string;
  releaseVersion: number;
  type: string;
  index: number;
  /** `web.1`. */
  name: string;
  size: string;
}

export function formatDynoLabels(d: DynoIdentity, kind = 'dyno'): Record<string, string> {
  return {
    ...DYNO_SELECTOR,
    [DYNO_LABELS.kind]: kind,
    [DYNO_LABELS.appId]: d.appId,
    [DYNO_LABELS.app]: d.appName,
    [DYNO_LABELS.releaseId]: d.releaseId,
    [DYNO_LABELS.releaseVersion]: String(d.releaseVersion),
    [DYNO_LABELS.processType]: d.type,
    [DYNO_LABELS.dyno]: d.name,
    [DYNO_LABELS.size]: d.size,
  };
}

/** Selects the dyno containers of one platform instance. */
export function platformSelector(platform: string): Readonly<Record<string, string>> {
  return Object.freeze({ ...DYNO_SELECTOR, [DYNO_LABELS.platform]: platform });
}

/** Undefined for a container whose labels are not a complete, consistent dyno identity. */
export function parseDynoLabels(labels: Readonly<Record<string, string>>, kind = 'dyno'): DynoIdentity | undefined {
  const get = (key: string) => labels[key];
  if (get(DYNO_LABELS.managed) !== '1' || get(DYNO_LABELS.kind) !== kind) return undefined;
  const name = get(DYNO_LABELS.dyno);
  const parsed = name === undefined ? undefined : parseDynoName(name);
  const appId = get(DYNO_LABELS.appId);
  const releaseId = get(DYNO_LABELS.releaseId);
  const version = Number(get(DYNO_LABELS.releaseVersion));
  if (!parsed || !name || !appId || !releaseId || !Number.isInteger(version)) return undefined;
  if (get(DYNO_LABELS.processType) !== parsed.type) return undefined;
  return {
    appId,
    appName: get(DYNO_LABELS.app) ?? '',
    releaseId,
    releaseVersion: version,
    type: parsed.type,
    index: parsed.index,
    name,
    size: get(DYNO_LABELS.size) ?? '',
  };
}

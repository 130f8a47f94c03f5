import type { DynoSize, Random } from '@paas/core';
import type { ContainerSpec } from '@paas/runtime';
import { DYNO_LABELS, ONE_OFF_KIND, formatDynoLabels, type DynoIdentity } from './labels.js';
import type { AppSpec, OneOffRequest } from './types.js';

/** The stack's entry point: sources `.profile.d`, then runs the command with bash, as Heroku does. */
export const LAUNCHER = '/usr/local/bin/paas-launch';

/** Unique per container (old and new `web.1` overlap during a deploy), readable in `docker ps`. */
export function formatContainerName(appName: string, dyno: string, random: Random): string {
  const suffix = Math.floor(random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `paas-${appName}-${dyno}-${suffix}`;
}

/** Sizes are matched without regard to case, so `Standard-1X` (Heroku's spelling) finds `standard-1x`. */
export function findDynoSize(sizes: readonly DynoSize[], name: string): DynoSize | undefined {
  const wanted = name.toLowerCase();
  return sizes.find((s) => s.name.toLowerCase() === wanted);
}

/** Where and how any dyno's container runs. */
interface ContainerPlacement {
  index: number;
  size: DynoSize;
  containerName: string;
  network: string;
  /** Labels that mark the dyno as this platform instance's. */
  selector: Readonly<Record<string, string>>;
  port: number;
  stopTimeoutMs: number;
}

export interface DynoContainerInput extends ContainerPlacement {
  spec: AppSpec;
  type: string;
}

/** The engine keeps at most twice this of a dyno's output; the log service reads it as it comes. */
export const DYNO_LOG_MAX_BYTES = 10 * 1024 * 1024;

export function buildDynoContainerSpec(input: DynoContainerInput): ContainerSpec {
  const { spec, type, index, size } = input;
  const identity = identityOf(spec, type, index, size);
  const name = identity.name;
  return {
    name: input.containerName,
    image: spec.release.image,
    cmd: [LAUNCHER, spec.processTypes[type] ?? ''],
    // PORT and DYNO are the platform's: a config var of the same name must not redirect the router.
    env: { ...spec.env, PORT: String(input.port), DYNO: name },
    labels: { ...formatDynoLabels(identity), ...input.selector },
    ...runSettings(input, size),
  };
}

export interface OneOffContainerInput extends ContainerPlacement {
  request: OneOffRequest;
}

/**
 * A one-off dyno: the release's image and config like any dyno, hardened and size-limited the same way,
 * labelled `paas.kind=run` so the reconciler never takes it for part of the formation.
 */
export function buildOneOffContainerSpec(input: OneOffContainerInput): ContainerSpec {
  const { request, index, size } = input;
  const { spec } = request;
  const identity = identityOf(spec, request.type, index, size);
  const name = identity.name;
  const attached = request.attach !== undefined;
  return {
    name: input.containerName,
    image: spec.release.image,
    cmd: [LAUNCHER, request.command],
    env: {
      ...spec.env,
      ...request.env,
      PORT: String(input.port),
      DYNO: name,
      // Signals (Ctrl-C without a TTY, a stop) reach every process of the command line, not just the shell.
      TINI_KILL_PROCESS_GROUP: '1',
    },
    labels: { ...input.selector, ...formatDynoLabels(identity, ONE_OFF_KIND), ...(attached ? { [DYNO_LABELS.attached]: '1' } : {}) },
    ...runSettings(input, size),
    tty: request.attach?.tty ?? false,
    openStdin: attached,
  };
}

function identityOf(spec: Pick<AppSpec, 'app' | 'release'>, type: string, index: number, size: DynoSize): DynoIdentity {
  return {
    appId: spec.app.id,
    appName: spec.app.name,
    releaseId: spec.release.id,
    releaseVersion: spec.release.version,
    type,
    index,
    name: `${type}.${index}`,
    size: size.name,
  };
}

/** How every dyno runs, formation or one-off: the unprivileged user, hardened, within its size. */
function runSettings(input: ContainerPlacement, size: DynoSize): Partial<ContainerSpec> {
  return {
    user: 'dyno',
    workingDir: '/app',
    network: input.network,
    init: true,
    hardened: true,
    logMaxBytes: DYNO_LOG_MAX_BYTES,
    memoryBytes: size.memoryBytes,
    cpuShares: size.cpuShares,
    pidsLimit: size.pidsLimit,
    stopTimeoutSec: Math.ceil(input.stopTimeoutMs / 1000),
  };
}

/** The command a dyno container runs, recovered from its argv. */
export function commandOf(cmd: readonly string[] | undefined): string {
  if (!cmd || cmd.length === 0) return '';
  return cmd[0] === LAUNCHER ? (cmd[1] ?? '') : cmd.join(' ');
}

import { DEFAULT_DYNO_SIZES } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { buildDynoContainerSpec, commandOf, findDynoSize, formatContainerName } from './container-spec.js';
import { parseDynoLabels } from './labels.js';
import type { AppSpec } from './types.js';

const spec: AppSpec = {
  app: { id: 'app-1', name: 'shop' },
  release: { id: 'rel-7', version: 7, image: 'paas/slug:shop-v7' },
  env: { DATABASE_URL: 'postgres://db', PORT: '80', DYNO: 'fake' },
  processTypes: { web: 'node server.js' },
  formation: { web: { quantity: 2, size: 'standard-1x' } },
};

describe('buildDynoContainerSpec', () => {
  const size = findDynoSize(DEFAULT_DYNO_SIZES, 'Standard-1X')!;
  const built = buildDynoContainerSpec({
    spec,
    type: 'web',
    index: 2,
    size,
    containerName: 'paas-shop-web.2-abc123',
    network: 'paas-dynos',
    selector: { 'paas.managed': '1', 'paas.kind': 'dyno', 'paas.platform': 'test' },
    port: 5000,
    stopTimeoutMs: 30_000,
  });

  it('runs the command through the launcher, as the dyno user, hardened, with the size limits', () => {
    expect(built).toMatchObject({
      image: 'paas/slug:shop-v7',
      cmd: ['/usr/local/bin/paas-launch', 'node server.js'],
      user: 'dyno',
      workingDir: '/app',
      network: 'paas-dynos',
      init: true,
      hardened: true,
      memoryBytes: size.memoryBytes,
      cpuShares: size.cpuShares,
      pidsLimit: size.pidsLimit,
      stopTimeoutSec: 30,
    });
    expect(commandOf(built.cmd)).toBe('node server.js');
  });

  it('sets PORT and DYNO over config vars of the same name', () => {
    expect(built.env).toEqual({ DATABASE_URL: 'postgres://db', PORT: '5000', DYNO: 'web.2' });
  });

  it('labels the container with the whole dyno identity, which parses back', () => {
    expect(built.labels).toEqual({
      'paas.managed': '1',
      'paas.kind': 'dyno',
      'paas.app_id': 'app-1',
      'paas.app': 'shop',
      'paas.release_id': 'rel-7',
      'paas.release_version': '7',
      'paas.process_type': 'web',
      'paas.dyno': 'web.2',
      'paas.size': 'standard-1x',
      'paas.platform': 'test',
    });
    expect(parseDynoLabels(built.labels)).toEqual({
      appId: 'app-1',
      appName: 'shop',
      releaseId: 'rel-7',
      releaseVersion: 7,
      type: 'web',
      index: 2,
      name: 'web.2',
      size: 'standard-1x',
    });
  });

  it('refuses labels that are incomplete or inconsistent', () => {
    expect(parseDynoLabels({ ...built.labels, 'paas.process_type': 'worker' })).toBeUndefined();
    expect(parseDynoLabels({ ...built.labels, 'paas.kind': 'build' })).toBeUndefined();
    const { 'paas.release_id': _omitted, ...noRelease } = built.labels;
    expect(parseDynoLabels(noRelease)).toBeUndefined();
  });
});

describe('formatContainerName', () => {
  it('is a valid Docker name made unique by the injected random', () => {
    const values = [0, 0.5, 0.999999];
    const names = values.map((v) => formatContainerName('shop', 'web.1', () => v));
    expect(names[0]).toBe('paas-shop-web.1-000000');
    expect(new Set(names).size).toBe(3);
    for (const n of names) expect(n).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
  });
});

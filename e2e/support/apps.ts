import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from './paths.js';

/** A private copy of a fixture app, so a test can change its code before pushing again. */
export function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `paas-fixture-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

/** A fresh app name, so runs never collide with each other's leftovers. */
export function appName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Running dyno containers of an app, straight from Docker (not through the platform). */
export function dockerDynos(app: string): { id: string; release: string; dyno: string }[] {
  const out = execFileSync('docker', [
    'ps', '--no-trunc', '--filter', `label=paas.app=${app}`, '--filter', 'label=paas.kind=dyno',
    '--format', '{{.ID}} {{.Label "paas.release_version"}} {{.Label "paas.dyno"}}',
  ]).toString();
  return out.split('\n').filter(Boolean).map((line) => {
    const [id, release, dyno] = line.split(' ');
    return { id: id!, release: release!, dyno: dyno! };
  });
}

import { rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { appName, copyFixture } from './apps.js';
import type { Platform } from './platform.js';

/**
 * For a test file (or describe block): starts `platform` and deploys a copy of `fixture` before its
 * tests, destroys the app and stops the platform after them.
 */
export function deployedApp(platform: Platform, fixture: string, prefix: string): { app: string; dir: string } {
  const app = appName(prefix);
  const dir = copyFixture(fixture);
  beforeAll(async () => {
    await platform.start();
    await platform.paasOk(['apps:create', app], { cwd: dir });
    await platform.paasOk(['push'], { cwd: dir });
  });
  afterAll(async () => {
    await platform.paas(['apps:destroy', app, '--confirm', app]);
    await platform.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { app, dir };
}

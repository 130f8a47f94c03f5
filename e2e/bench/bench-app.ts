import { rmSync } from 'node:fs';
import { appName, copyFixture } from '../support/apps.js';
import type { Platform } from '../support/platform.js';

/**
 * Runs a benchmark script: starts `platform`, creates an app from a copy of `fixture` and pushes it
 * (the build that warms the cache), runs `measure`, and always destroys the app and stops the platform.
 * A failure is printed and exits 1.
 */
export function runBench(platform: Platform, fixture: string, prefix: string, measure: (app: string, dir: string) => Promise<void>): void {
  const app = appName(prefix);
  const dir = copyFixture(fixture);
  const run = async () => {
    try {
      await platform.start();
      await platform.paasOk(['apps:create', app], { cwd: dir });
      await platform.paasOk(['push'], { cwd: dir });
      await measure(app, dir);
    } finally {
      await platform.paas(['apps:destroy', app, '--confirm', app]);
      await platform.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  run().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}

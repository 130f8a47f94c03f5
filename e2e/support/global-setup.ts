import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { REPO_ROOT } from './paths.js';

/** The e2e tests need what the README's test command provides: a Docker engine and a built repo. */
export default function setup(): void {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore' });
  } catch {
    throw new Error('No Docker engine is running. Run the tests through scripts/test.sh, which starts one.');
  }
  removeStaleTestDynos();
  for (const main of ['apps/paasd/dist/main.js', 'apps/router/dist/main.js', 'apps/cli/dist/main.js']) {
    if (!existsSync(`${REPO_ROOT}/${main}`)) throw new Error(`${main} is missing: build first (pnpm build, or scripts/test.sh).`);
  }
}

/** Dynos a crashed earlier test run left behind (their platform ids start with `e2e-`). */
function removeStaleTestDynos(): void {
  const out = execFileSync('docker', ['ps', '-a', '--filter', 'label=paas.managed=1', '--format', '{{.ID}} {{.Label "paas.platform"}}']).toString();
  const stale = out
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([id, platform]) => id && platform?.startsWith('e2e-'))
    .map(([id]) => id!);
  if (stale.length > 0) execFileSync('docker', ['rm', '-f', ...stale], { stdio: 'ignore' });
}

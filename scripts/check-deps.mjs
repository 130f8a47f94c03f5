// Enforces the direction of dependencies between workspace packages: engines never import each other
// or the store, the CLI only talks through the client, nobody reaches into another package's files.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ALLOWED = {
  '@paas/core': [],
  '@paas/runtime': ['@paas/core'],
  '@paas/store': ['@paas/core'],
  '@paas/slug-compiler': ['@paas/core', '@paas/runtime'],
  '@paas/dyno-manager': ['@paas/core', '@paas/runtime'],
  '@paas/router': ['@paas/core'],
  '@paas/logs': ['@paas/core', '@paas/runtime'],
  '@paas/client': ['@paas/core'],
  '@paas/api': ['@paas/core', '@paas/store', '@paas/slug-compiler', '@paas/dyno-manager', '@paas/logs'],
  '@paas/paasd': ['@paas/core', '@paas/store', '@paas/runtime', '@paas/slug-compiler', '@paas/dyno-manager', '@paas/logs', '@paas/api'],
  '@paas/router-app': ['@paas/core', '@paas/router', '@paas/client'],
  'paas-cli': ['@paas/core', '@paas/client'],
  '@paas/e2e': ['@paas/core', '@paas/client'],
};

const root = new URL('..', import.meta.url).pathname;
const dirs = ['packages', 'apps'].flatMap((d) => readdirSync(join(root, d)).map((n) => join(root, d, n))).concat(join(root, 'e2e'));
const problems = [];

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(path).isDirectory() ? sources(path) : /\.(ts|mts|js|mjs)$/.test(name) ? [path] : [];
  });
}

for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const allowed = ALLOWED[pkg.name];
  if (!allowed) {
    problems.push(`${pkg.name}: not in the dependency rules (scripts/check-deps.mjs)`);
    continue;
  }
  const declared = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => d.startsWith('@paas/') || d === 'paas-cli');
  for (const dep of declared) if (!allowed.includes(dep)) problems.push(`${pkg.name} depends on ${dep}, which it may not`);
  for (const file of sources(dir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/from\s+['"](@paas\/[a-z-]+)(\/[^'"]*)?['"]/g)) {
      const [, name, sub] = m;
      const rel = file.slice(root.length);
      if (!allowed.includes(name)) problems.push(`${rel} imports ${name}, which ${pkg.name} may not`);
      if (sub && sub !== '/testing') problems.push(`${rel} reaches into ${name}${sub}; import the package's entry point`);
      if (sub === '/testing' && !/(\.test|\.harness|test-support|testing)\.ts$/.test(file)) problems.push(`${rel} uses test fakes outside a test`);
    }
  }
}

if (problems.length) {
  console.error(`Dependency rules broken:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`Dependency rules hold for ${dirs.length} packages.`);

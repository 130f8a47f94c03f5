// Bundles the CLI and its dependencies into one file, bundle/paas.mjs: what `scripts/install-cli.sh`
// installs on a laptop and what the npm package ships.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'bundle/paas.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Workspace packages are bundled from their sources.
  conditions: ['source'],
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  banner: {
    // CommonJS dependencies bundled into ESM still call require() for Node's built-ins. (The entry's own
    // #! line stays first.)
    js: "import { createRequire as __paasCreateRequire } from 'node:module';\nconst require = __paasCreateRequire(import.meta.url);",
  },
});

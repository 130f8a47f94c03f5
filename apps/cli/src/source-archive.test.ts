import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { list } from 'tar';
import { listSourceFiles, packSource } from './source-archive.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'paas-src-'));
  dirs.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe('listSourceFiles', () => {
  it('honours .gitignore at any depth, .slugignore, and always skips .git', async () => {
    const root = tree({
      '.git/HEAD': 'ref',
      '.gitignore': 'node_modules/\n*.log\n',
      '.slugignore': 'docs\n',
      'server.js': 'x',
      'debug.log': 'x',
      'node_modules/a/index.js': 'x',
      'docs/readme.md': 'x',
      'lib/.gitignore': 'secret.txt\n',
      'lib/secret.txt': 'x',
      'lib/util.js': 'x',
      'other/secret.txt': 'kept: the rule is relative to lib/',
    });
    const { entries, files } = await listSourceFiles(root);
    expect(entries.sort()).toEqual(
      ['.gitignore', '.slugignore', 'lib', 'lib/.gitignore', 'lib/util.js', 'other', 'other/secret.txt', 'server.js'].sort(),
    );
    expect(files).toBe(6);
  });

  it('packs exactly the listed entries into a gzip tarball', async () => {
    const root = tree({ '.gitignore': 'tmp/\n', 'index.js': 'hi', 'tmp/big': 'x'.repeat(1000) });
    const out = join(root, '..', `${root.split('/').pop()}.tgz`);
    dirs.push(out);
    const result = await packSource(root, out);
    const names: string[] = [];
    await list({ file: out, onReadEntry: (e) => void names.push(e.path) });
    expect(names.sort()).toEqual(['.gitignore', 'index.js']);
    expect(result).toEqual({ files: 2, bytes: 7 });
  });
});

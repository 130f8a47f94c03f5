import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applySlugignore, isIgnored, parseSlugignore } from './slugignore.js';

describe('parseSlugignore', () => {
  it.each([
    // [pattern, path, isDirectory, ignored]
    ['*.psd', 'logo.psd', false, true],
    ['*.psd', 'assets/art/logo.psd', false, true],
    ['*.psd', 'logo.psd.txt', false, false],
    ['/test', 'test', true, true],
    ['/test', 'src/test', true, false],
    ['test', 'src/test', true, true],
    ['docs/*.md', 'docs/a.md', false, true],
    ['docs/*.md', 'docs/sub/a.md', false, false],
    ['docs/*.md', 'x/docs/a.md', false, false],
    ['spec/', 'spec', true, true],
    ['spec/', 'spec', false, false],
    ['**/fixtures', 'a/b/fixtures', true, true],
    ['**/fixtures', 'fixtures', true, true],
    ['a/**/z', 'a/z', false, true],
    ['a/**/z', 'a/b/c/z', false, true],
    ['logs/**', 'logs/x/y.log', false, true],
    ['file?.txt', 'file1.txt', false, true],
    ['file?.txt', 'file10.txt', false, false],
    ['[abc].txt', 'b.txt', false, true],
    ['[!abc].txt', 'b.txt', false, false],
    ['[!abc].txt', 'd.txt', false, true],
    ['\\#notes', '#notes', false, true],
    ['a.b', 'axb', false, false],
    ['tmp  ', 'tmp', true, true],
  ] as const)('%s on %s (dir %s) -> %s', (pattern, path, isDir, expected) => {
    const { patterns } = parseSlugignore(pattern);
    expect(isIgnored(patterns, path, isDir)).toBe(expected);
  });

  it('skips comments and blank lines, and warns about negation and whole-app patterns', () => {
    const parsed = parseSlugignore('# comment\n\n*.log\n!keep.log\n/\n**\n');
    expect(parsed.patterns.map((p) => p.source)).toEqual(['*.log']);
    expect(parsed.warnings).toEqual([
      '.slugignore: negation is not supported, skipped "!keep.log"',
      '.slugignore: would remove the whole app, skipped "/"',
      '.slugignore: would remove the whole app, skipped "**"',
    ]);
  });
});

describe('applySlugignore', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('removes matches before the build without following symlinks out of the tree', async () => {
    root = await mkdtemp(join(tmpdir(), 'paas-slugignore-'));
    const app = join(root, 'app');
    const outside = join(root, 'outside');
    await mkdir(join(app, 'test', 'unit'), { recursive: true });
    await mkdir(join(app, 'src'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(outside, 'big.psd'), 'not mine');
    await writeFile(join(app, 'test', 'unit', 'a.js'), '');
    await writeFile(join(app, 'src', 'index.js'), '');
    await writeFile(join(app, 'src', 'art.psd'), '');
    await writeFile(join(app, 'Procfile'), '');
    // A link to a directory outside: patterns must not reach through it.
    await symlink(outside, join(app, 'linked'));

    const { patterns } = parseSlugignore('/test\n*.psd\n');
    const removed = await applySlugignore(app, patterns);

    expect(removed).toEqual(['src/art.psd', 'test']);
    expect((await readdir(app)).sort()).toEqual(['Procfile', 'linked', 'src']);
    expect(await readdir(join(app, 'src'))).toEqual(['index.js']);
    expect(await readFile(join(outside, 'big.psd'), 'utf8')).toBe('not mine');
  });
});

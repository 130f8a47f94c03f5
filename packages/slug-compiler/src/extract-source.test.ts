import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, lstat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header, type HeaderData } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPaasError } from '@paas/core';
import { escapes, extractSource } from './extract-source.js';

interface Entry extends HeaderData {
  body?: Buffer | string;
}

/** A raw tar stream, so tests can say things no well-behaved tar tool would write. */
function tarOf(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { body, ...data } of entries) {
    const content = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
    const header = new Header({ mode: 0o644, uid: 0, gid: 0, mtime: new Date(0), type: 'File', size: content.length, ...data });
    header.encode();
    blocks.push(header.block!);
    if (content.length > 0) {
      blocks.push(content, Buffer.alloc((512 - (content.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

let root: string;
let dest: string;
const limits = { maxBytes: 1024 * 1024, maxFiles: 50 };

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'paas-extract-'));
  dest = join(root, 'builds', 'b1', 'app');
  await mkdir(dest, { recursive: true });
  await mkdir(join(root, 'outside'));
  await writeFile(join(root, 'outside', 'secret'), 'keep me');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function listTree(dir: string, skip: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (p === skip) continue;
    out.push(relative(root, p));
    if (e.isDirectory()) out.push(...(await listTree(p, skip)));
  }
  return out.sort();
}

async function archive(bytes: Buffer): Promise<string> {
  const path = join(root, 'source.tgz');
  await writeFile(path, bytes);
  return path;
}

describe('extractSource refuses hostile archives', () => {
  const cases: { name: string; entries: () => Entry[]; code: string; message: RegExp }[] = [
    {
      name: 'an absolute path',
      entries: () => [{ path: join(root, 'outside', 'pwned'), body: 'x' }],
      code: 'source_invalid',
      message: /has an absolute path/,
    },
    { name: 'a ../ path', entries: () => [{ path: '../x', body: 'x' }], code: 'source_invalid', message: /"\.\.\/x" contains "\.\."/ },
    {
      name: 'a .. segment in the middle',
      entries: () => [{ path: 'a/../../../outside/pwned', body: 'x' }],
      code: 'source_invalid',
      message: /contains "\.\."/,
    },
    {
      name: 'a symlink out of the tree',
      entries: () => [{ path: 'out', type: 'SymbolicLink', linkpath: '../../../outside' }],
      code: 'source_invalid',
      message: /"out" is a symlink to "\.\.\/\.\.\/\.\.\/outside", outside the app/,
    },
    {
      name: 'an absolute symlink',
      entries: () => [{ path: 'passwd', type: 'SymbolicLink', linkpath: '/etc/passwd' }],
      code: 'source_invalid',
      message: /"passwd" is a symlink/,
    },
    {
      name: 'a symlink escaping through another symlink declared later',
      entries: () => [
        { path: 'b', type: 'SymbolicLink', linkpath: 'a/..' },
        { path: 'a', type: 'SymbolicLink', linkpath: '.' },
      ],
      code: 'source_invalid',
      message: /"b" is a symlink/,
    },
    {
      name: 'a file written through a symlink',
      entries: () => [
        { path: 'sub', type: 'Directory', size: 0, mode: 0o755 },
        { path: 'd', type: 'SymbolicLink', linkpath: 'sub' },
        { path: 'd/x', body: 'x' },
      ],
      code: 'source_invalid',
      message: /symbolic link/,
    },
    {
      name: 'a hard link',
      entries: () => [
        { path: 'f', body: 'x' },
        { path: 'h', type: 'Link', linkpath: 'f' },
      ],
      code: 'source_invalid',
      message: /"h" is a hard link/,
    },
    { name: 'a character device', entries: () => [{ path: 'null', type: 'CharacterDevice' }], code: 'source_invalid', message: /character device/ },
    { name: 'a block device', entries: () => [{ path: 'sda', type: 'BlockDevice' }], code: 'source_invalid', message: /block device/ },
    { name: 'a FIFO', entries: () => [{ path: 'pipe', type: 'FIFO' }], code: 'source_invalid', message: /FIFO/ },
    {
      name: 'too many files',
      entries: () => Array.from({ length: limits.maxFiles + 1 }, (_, i) => ({ path: `f${i}`, body: 'x' })),
      code: 'source_too_large',
      message: /more than 50 files \(at "f50"\)/,
    },
    {
      name: 'a file declaring more content than the limit',
      entries: () => [{ path: 'small', body: 'x' }, { path: 'huge', size: 64 * 1024 ** 3 }],
      code: 'source_too_large',
      message: /larger than 1048576 bytes when extracted \(at "huge"\)/,
    },
  ];

  it.each(cases)('refuses $name', async ({ entries, code, message }) => {
    const path = await archive(gzipSync(tarOf(entries())));
    const before = await listTree(root, dest);
    const err = await extractSource(path, dest, limits).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPaasError(err), String(err)).toBe(true);
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toMatch(message);
    expect(await listTree(root, dest)).toEqual(before);
    expect(await readFile(join(root, 'outside', 'secret'), 'utf8')).toBe('keep me');
  });

  it('stops a gzip bomb of padding at the limit instead of inflating it all', async () => {
    // 64 MiB of zeros per gzip member, 512 members: 32 GiB inflated from a few hundred KB. Inflating it
    // all would take minutes; stopping at the limit takes milliseconds.
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const first = gzipSync(tarOf([{ path: 'ok.txt', body: 'fine' }]).subarray(0, 1024));
    const path = await archive(Buffer.concat([first, ...Array.from({ length: 512 }, () => member)]));
    expect((await stat(path)).size).toBeLessThan(64 * 1024 * 1024);
    const started = Date.now();
    await expect(extractSource(path, dest, limits)).rejects.toMatchObject({ code: 'source_too_large' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it.each([
    ['random bytes', () => Buffer.from('definitely not a gzip stream, just text')],
    ['a truncated gzip', () => gzipSync(tarOf([{ path: 'a', body: 'x'.repeat(5000) }])).subarray(0, 60)],
    ['an uncompressed tar', () => tarOf([{ path: 'a', body: 'x' }])],
    ['gzip of something that is not a tar', () => gzipSync(Buffer.from('hello world\n'.repeat(100)))],
    ['an empty file', () => Buffer.alloc(0)],
  ])('refuses %s as source_invalid', async (_name, bytes) => {
    const path = await archive(bytes());
    await expect(extractSource(path, dest, limits)).rejects.toMatchObject({ code: 'source_invalid' });
  });
});

describe('extractSource accepts ordinary archives', () => {
  it('extracts ./ and plain paths and a wrapper directory as they are', async () => {
    const path = await archive(
      gzipSync(
        tarOf([
          { path: './', type: 'Directory', size: 0, mode: 0o755 },
          { path: './package.json', body: '{}' },
          { path: 'Procfile', body: 'web: node index.js\n' },
          { path: 'myapp/', type: 'Directory', size: 0, mode: 0o755 },
          { path: 'myapp/index.js', body: 'console.log(1)' },
          { path: 'lib/link.js', type: 'SymbolicLink', linkpath: '../myapp/index.js' },
        ]),
      ),
    );
    const result = await extractSource(path, dest, limits);
    expect(result).toEqual({ files: 6, bytes: 2 + 19 + 14 });
    expect(await readFile(join(dest, 'package.json'), 'utf8')).toBe('{}');
    expect(await readFile(join(dest, 'myapp', 'index.js'), 'utf8')).toBe('console.log(1)');
    expect(await readlink(join(dest, 'lib', 'link.js'))).toBe('../myapp/index.js');
  });

  it('strips setuid, setgid and sticky bits', async () => {
    const path = await archive(
      gzipSync(
        tarOf([
          { path: 'shared', type: 'Directory', size: 0, mode: 0o3755 },
          { path: 'shared/run', body: '#!/bin/sh\n', mode: 0o4755 },
        ]),
      ),
    );
    await extractSource(path, dest, limits);
    expect((await stat(join(dest, 'shared', 'run'))).mode & 0o7777).toBe(0o755 & ~process.umask());
    expect((await stat(join(dest, 'shared'))).mode & 0o7000).toBe(0);
  });

  it.skipIf(process.getuid?.() !== 0)('gives every entry, symlinks included, to the given owner', async () => {
    const path = await archive(
      gzipSync(
        tarOf([
          { path: 'dir', type: 'Directory', size: 0, mode: 0o755, uid: 0 },
          { path: 'dir/file', body: 'x', uid: 0 },
          { path: 'link', type: 'SymbolicLink', linkpath: 'dir/file', uid: 0 },
        ]),
      ),
    );
    await extractSource(path, dest, { ...limits, owner: { uid: 1000, gid: 1000 } });
    for (const p of ['dir', 'dir/file', 'link']) {
      const s = await lstat(join(dest, p));
      expect([p, s.uid, s.gid]).toEqual([p, 1000, 1000]);
    }
  });
});

describe('escapes', () => {
  it.each([
    [{ a: 'b' }, 'a', false],
    [{ 'x/a': '../b' }, 'x/a', false],
    [{ 'x/a': '../../b' }, 'x/a', true],
    [{ a: '/etc' }, 'a', true],
    [{ a: '.', b: 'a/..' }, 'b', true],
    [{ a: 'a' }, 'a', true],
    [{ 'd/l': 'sub', 'd/m': 'l/../../x' }, 'd/m', false],
  ] as const)('%j %s -> %s', (links, key, expected) => {
    expect(escapes(key, new Map(Object.entries(links)))).toBe(expected);
  });
});

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileTableStore } from './table-store.js';

describe('file table store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'table-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has nothing before the first save, then the last table saved, and leaves no temporary files', async () => {
    const store = createFileTableStore(join(dir, 'router', 'table.json'));
    expect(await store.load()).toBeUndefined();
    await store.save({ version: 1, apps: [] });
    await store.save({ version: 2, apps: [{ app: 'a', hosts: ['a.localhost'], state: 'up', backends: [] }] });
    expect(await store.load()).toEqual({ version: 2, apps: [{ app: 'a', hosts: ['a.localhost'], state: 'up', backends: [] }] });
    expect(await readdir(join(dir, 'router'))).toEqual(['table.json']);
  });

  it('refuses a file that is not a route table', async () => {
    const path = join(dir, 'table.json');
    await writeFile(path, '{"apps": "nope"}');
    await expect(createFileTableStore(path).load()).rejects.toThrow(/does not hold a route table/);
    await writeFile(path, '{"version": 3, "apps"');
    await expect(createFileTableStore(path).load()).rejects.toThrow();
  });
});

import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PaasError, type RouteTable } from '@paas/core';

/** Keeps the last applied route table, so a restarted router serves at once without the control plane. */
export interface TableStore {
  /** The saved table, undefined when none was saved yet. Throws when the file is unreadable. */
  load(): Promise<RouteTable | undefined>;
  save(table: RouteTable): Promise<void>;
}

/** A JSON file replaced atomically (temporary file, fsync, rename), so a crash never leaves half a table. */
export function createFileTableStore(path: string): TableStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      const table = JSON.parse(text) as unknown;
      if (!isRouteTable(table)) throw new PaasError('invalid_params', `${path} does not hold a route table.`);
      return table;
    },
    async save(table) {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        const file = await open(tmp, 'w', 0o600);
        try {
          await file.writeFile(JSON.stringify(table));
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(tmp, path);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },
  };
}

/** The shape checks a table from disk or the network must pass before it is applied. */
export function isRouteTable(value: unknown): value is RouteTable {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<RouteTable>;
  return typeof t.version === 'number' && Number.isInteger(t.version) && t.version >= 0 && Array.isArray(t.apps);
}

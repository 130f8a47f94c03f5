import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** One line of a `.slugignore`, compiled. */
export interface IgnorePattern {
  /** The line as written. */
  source: string;
  /** Matches a path relative to the app root. */
  regex: RegExp;
  /** A trailing `/`: matches directories only. */
  directoryOnly: boolean;
}

export interface ParsedSlugignore {
  patterns: IgnorePattern[];
  /** Lines that were skipped, with why (shown to the user). */
  warnings: string[];
}

/**
 * Parses `.slugignore` with gitignore's pattern syntax as Heroku does: `#` comments, `*`, `?`, `[...]`,
 * `**`, a leading or inner `/` anchors to the app root, a trailing `/` matches directories only.
 * Negation (`!`) is not supported, as on Heroku: such lines are skipped with a warning.
 */
export function parseSlugignore(text: string): ParsedSlugignore {
  const patterns: IgnorePattern[] = [];
  const warnings: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('!')) {
      warnings.push(`.slugignore: negation is not supported, skipped ${JSON.stringify(raw)}`);
      continue;
    }
    if (line.startsWith('\\#') || line.startsWith('\\!')) line = line.slice(1);
    const directoryOnly = line.endsWith('/');
    line = line.replace(/\/+$/, '');
    const anchored = line.includes('/');
    line = line.replace(/^\/+/, '');
    if (line === '' || line === '**') {
      warnings.push(`.slugignore: would remove the whole app, skipped ${JSON.stringify(raw)}`);
      continue;
    }
    const body = globToRegex(line);
    patterns.push({ source: raw, directoryOnly, regex: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`) });
  }
  return { patterns, warnings };
}

/** Whether a path relative to the app root (posix, no leading `/`) is ignored. */
export function isIgnored(patterns: readonly IgnorePattern[], relativePath: string, isDirectory: boolean): boolean {
  return patterns.some((p) => (!p.directoryOnly || isDirectory) && p.regex.test(relativePath));
}

/**
 * Removes every path under `root` a pattern matches and returns them. Never follows symlinks (a link
 * is removed as a link), so nothing outside `root` is touched.
 */
export async function applySlugignore(root: string, patterns: readonly IgnorePattern[]): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      const path = join(dir, entry.name);
      if (isIgnored(patterns, rel, entry.isDirectory())) {
        await rm(path, { recursive: true, force: true });
        removed.push(rel);
      } else if (entry.isDirectory()) {
        await walk(path, rel);
      }
    }
  };
  if (patterns.length > 0) await walk(root, '');
  return removed.sort();
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const atStart = i === 0 || glob[i - 1] === '/';
      const next = glob[i + 2];
      if (atStart && next === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let cls = glob.slice(i + 1, end);
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      out += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < glob.length) {
      out += escapeRegex(glob[i + 1]!);
      i += 1;
    } else {
      out += escapeRegex(c);
    }
  }
  return out;
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\]/.test(c) ? `\\${c}` : c;
}

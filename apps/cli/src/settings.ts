import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** What `paas login` and `apps:create`/`apps:link` remember between commands. */
export interface Settings {
  apiUrl?: string;
  token?: string;
  /** Absolute directory to the app it is linked to. */
  links?: Record<string, string>;
}

export function settingsPath(env: NodeJS.ProcessEnv): string {
  const dir = env.PAAS_CONFIG_DIR ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'paas');
  return join(dir, 'config.json');
}

export function loadSettings(path: string): Settings {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Settings;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`Cannot read ${path}: ${(err as Error).message}. Fix or delete it, then run \`paas login\`.`);
  }
}

/** Written atomically and readable only by the user: it holds the API token. */
export function saveSettings(path: string, settings: Settings): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** The app linked to `dir` or to its nearest linked ancestor. */
export function linkedApp(settings: Settings, dir: string): string | undefined {
  let current = resolve(dir);
  for (;;) {
    const app = settings.links?.[current];
    if (app) return app;
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

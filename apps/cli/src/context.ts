import { PaasError } from '@paas/core';
import { createClient, type PaasClient } from '@paas/client';
import { Output } from './output.js';
import { linkedApp, loadSettings, saveSettings, settingsPath, type Settings } from './settings.js';

export const CLI_VERSION = '0.1.0';

/** What every command gets: output, settings, the API client and app resolution. */
export class Context {
  readonly out: Output;
  readonly settingsFile: string;
  /** A command's own exit status, when it has one (`paas run` exits with its dyno's). */
  exitCode: number | undefined;
  private cachedClient: PaasClient | undefined;

  constructor(
    readonly env: NodeJS.ProcessEnv,
    readonly cwd: string,
  ) {
    this.out = new Output(process.stdout, process.stderr, env);
    this.settingsFile = settingsPath(env);
  }

  settings(): Settings {
    return loadSettings(this.settingsFile);
  }

  updateSettings(change: (s: Settings) => Settings): void {
    saveSettings(this.settingsFile, change(this.settings()));
  }

  /** PAAS_API_URL and PAAS_API_TOKEN override what `paas login` saved. */
  client(): PaasClient {
    if (this.cachedClient) return this.cachedClient;
    const saved = this.settings();
    const apiUrl = this.env.PAAS_API_URL || saved.apiUrl;
    const token = this.env.PAAS_API_TOKEN || saved.token;
    if (!apiUrl || !token) {
      throw new PaasError('unauthorized', 'Not logged in. Run `paas login --api-url URL --token TOKEN` (or set PAAS_API_URL and PAAS_API_TOKEN).');
    }
    this.cachedClient = createClient({ apiUrl, token, userAgent: `paas-cli/${CLI_VERSION}` });
    return this.cachedClient;
  }

  /** `-a NAME`, else PAAS_APP, else the app linked to the directory. */
  app(option: string | undefined, dir = this.cwd): string {
    const app = option ?? this.env.PAAS_APP ?? linkedApp(this.settings(), dir);
    if (!app) {
      throw new PaasError(
        'invalid_params',
        'No app specified. Use -a APP, or run `paas apps:create NAME` or `paas apps:link NAME` in the app directory.',
      );
    }
    return app;
  }

  async close(): Promise<void> {
    await this.cachedClient?.close();
  }
}

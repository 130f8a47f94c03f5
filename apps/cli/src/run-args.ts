import { PaasError, isConfigKey } from '@paas/core';

const PLAIN_WORD = /^[A-Za-z0-9_\/.,:=+@%^-]+$/;

/**
 * The shell command line a one-off dyno runs. One argument is taken as a command line already
 * (`paas run "echo $HOME | wc -c"`); several are the argv of one command, each quoted so the shell in
 * the dyno sees exactly those words (`paas run node -e "process.exit(3)"`).
 */
export function commandLine(words: readonly string[]): string {
  if (words.length === 1) return words[0]!;
  return words.map(shellQuote).join(' ');
}

export function shellQuote(word: string): string {
  if (PLAIN_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `-e "KEY=value;OTHER=x"` (Heroku's form), possibly given several times. */
export function parseEnvOption(values: readonly string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of values ?? []) {
    for (const pair of value.split(';')) {
      if (pair.trim() === '') continue;
      const eq = pair.indexOf('=');
      const key = eq > 0 ? pair.slice(0, eq).trim() : '';
      if (!isConfigKey(key)) throw new PaasError('invalid_params', `Not a KEY=value pair: ${JSON.stringify(pair)}`);
      env[key] = pair.slice(eq + 1);
    }
  }
  return env;
}

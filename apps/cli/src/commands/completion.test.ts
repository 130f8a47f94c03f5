import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { completionScript } from './completion.js';

const dir = mkdtempSync(join(tmpdir(), 'paas-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function program(): Command {
  const p = new Command('paas');
  p.command('apps').option('--json');
  p.command('apps:create').option('--no-link').option('--json');
  p.command('push').option('-a, --app <app>');
  return p;
}

/** Runs the generated script in a real bash and asks it to complete `words`. */
function complete(words: string[]): string[] {
  const script = join(dir, 'paas.bash');
  writeFileSync(script, completionScript(program(), 'bash'));
  const out = execFileSync('bash', ['-c', `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _paas; printf '%s\\n' "\${COMPREPLY[@]}"`]).toString();
  return out.split('\n').filter(Boolean).sort();
}

describe('completion script', () => {
  it('completes command names and each command’s options in a real bash', () => {
    expect(complete(['paas', 'ap'])).toEqual(['apps', 'apps:create']);
    expect(complete(['paas', 'push', '--'])).toEqual(['--app']);
    expect(complete(['paas', 'apps:create', '--'])).toEqual(['--json', '--no-link']);
  });

  it('wraps the same script for zsh with bashcompinit', () => {
    expect(completionScript(program(), 'zsh')).toMatch(/^autoload -U \+X bashcompinit && bashcompinit\n# paas completion/);
  });
});

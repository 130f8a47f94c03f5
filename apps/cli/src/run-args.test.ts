import { isPaasError } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { commandLine, parseEnvOption } from './run-args.js';

describe('commandLine', () => {
  it('keeps one argument as a command line and quotes the words of several', () => {
    expect(commandLine(['echo $HOME | wc -c'])).toBe('echo $HOME | wc -c');
    expect(commandLine(['node', '-e', 'process.exit(3)'])).toBe(`node -e 'process.exit(3)'`);
    expect(commandLine(['echo', "it's", 'a b', '--x=1'])).toBe(`echo 'it'\\''s' 'a b' --x=1`);
  });
});

describe('parseEnvOption', () => {
  it('reads KEY=value pairs separated by semicolons, from each -e', () => {
    expect(parseEnvOption(['A=1;B=x=y', 'C='])).toEqual({ A: '1', B: 'x=y', C: '' });
    expect(parseEnvOption(undefined)).toEqual({});
  });

  it('refuses what is not a pair', () => {
    for (const bad of ['nope', '=1', 'A-B=1']) {
      let err: unknown;
      try {
        parseEnvOption([bad]);
      } catch (e) {
        err = e;
      }
      expect(isPaasError(err, 'invalid_params')).toBe(true);
    }
  });
});

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseAssignments, shellLine } from './config.js';

describe('parseAssignments', () => {
  it('splits at the first = only, keeping =, newlines and empty values', () => {
    expect(parseAssignments(['A=b=c', 'NL=x\ny', 'EMPTY='])).toEqual({ A: 'b=c', NL: 'x\ny', EMPTY: '' });
  });
  it.each(['NOEQUALS', '=value'])('refuses %j', (arg) => {
    expect(() => parseAssignments([arg])).toThrow(expect.objectContaining({ code: 'invalid_params' }));
  });
});

describe('shellLine', () => {
  it('round-trips any value through a real shell', () => {
    const value = `it's "quoted" $HOME \`x\`\nline2`;
    const out = execFileSync('bash', ['-c', `${shellLine('V', value)}; printf %s "$V"`]).toString();
    expect(out).toBe(value);
  });
});

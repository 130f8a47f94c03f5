import { describe, expect, it } from 'vitest';
import { applyConfigPatch, configSize, describeConfigChange } from './config-vars.js';

describe('applyConfigPatch', () => {
  it('sets, changes and unsets, reporting only real changes', () => {
    const change = applyConfigPatch({ A: '1', B: '2', C: '3' }, { A: '1', B: 'two', C: null, D: 'x\ny=z', E: null }, 1000);
    expect(change).toEqual({ next: { A: '1', B: 'two', D: 'x\ny=z' }, set: ['B', 'D'], removed: ['C'] });
  });

  it('accepts any UTF-8, empty values, quotes and equals signs', () => {
    const value = `é"'=\n\t✓`;
    expect(applyConfigPatch({}, { K: value, EMPTY: '' }, 1000).next).toEqual({ K: value, EMPTY: '' });
  });

  it.each(['1ABC', 'A-B', 'A B', '', 'Ä', 'A=B'])('refuses the key %j', (key) => {
    expect(() => applyConfigPatch({}, { [key]: 'v' }, 1000)).toThrow(expect.objectContaining({ code: 'invalid_params' }));
  });

  it.each(['PORT', 'DYNO'])('refuses the reserved key %s', (key) => {
    expect(() => applyConfigPatch({}, { [key]: '1' }, 1000)).toThrow(/set by the platform/);
  });

  it('bounds the total size of keys and values at exactly the limit', () => {
    const atLimit = { KEY: 'x'.repeat(97) }; // 3 + 97 = 100 bytes
    expect(configSize(applyConfigPatch({}, atLimit, 100).next)).toBe(100);
    expect(() => applyConfigPatch({}, { KEY: 'x'.repeat(98) }, 100)).toThrow(expect.objectContaining({ code: 'config_too_large' }));
    expect(() => applyConfigPatch({}, { KEY: 'é'.repeat(49) }, 100)).toThrow(expect.objectContaining({ code: 'config_too_large' }));
  });

  it('never puts a value in an error message', () => {
    try {
      applyConfigPatch({}, { GOOD: 'supersecret-value', PORT: 'supersecret-value' }, 1000);
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('supersecret');
    }
  });
});

describe('describeConfigChange', () => {
  it('uses Heroku wording', () => {
    expect(describeConfigChange({ set: ['FOO', 'BAR'], removed: [] })).toBe('Set FOO, BAR config vars');
    expect(describeConfigChange({ set: [], removed: ['FOO'] })).toBe('Remove FOO config vars');
    expect(describeConfigChange({ set: ['A'], removed: ['B'] })).toBe('Set A and remove B config vars');
  });
});

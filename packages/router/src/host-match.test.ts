import { describe, expect, it } from 'vitest';
import { HostIndex, normalizeHostHeader } from './host-match.js';

describe('normalizeHostHeader', () => {
  it.each([
    ['myapp.example.com', 'myapp.example.com'],
    ['MyApp.Example.COM', 'myapp.example.com'],
    ['myapp.example.com:8080', 'myapp.example.com'],
    ['myapp.example.com.', 'myapp.example.com'],
    ['myapp.example.com.:80', 'myapp.example.com'],
    ['[::1]:8080', '[::1]'],
    ['', undefined],
    [':80', undefined],
  ])('%j -> %j', (raw, expected) => {
    expect(normalizeHostHeader(raw)).toBe(expected);
  });
});

describe('HostIndex', () => {
  const index = new HostIndex<string>();
  index.add('example.com', 'apex');
  index.add('www.example.com', 'www');
  index.add('*.example.com', 'wild');
  index.add('*.api.example.com', 'api-wild');
  index.add('exact.api.example.com', 'api-exact');

  it('matches exact names before wildcards', () => {
    expect(index.lookup('www.example.com')).toBe('www');
    expect(index.lookup('example.com')).toBe('apex');
    expect(index.lookup('exact.api.example.com')).toBe('api-exact');
  });

  it('matches one or more labels below a wildcard, the most specific wildcard first', () => {
    expect(index.lookup('a.example.com')).toBe('wild');
    expect(index.lookup('a.b.example.com')).toBe('wild');
    expect(index.lookup('x.api.example.com')).toBe('api-wild');
    expect(index.lookup('y.x.api.example.com')).toBe('api-wild');
    // The wildcard does not cover the name it hangs from.
    expect(index.lookup('api.example.com')).toBe('wild');
  });

  it('ignores case, port and a trailing dot, and remembers answers per raw value', () => {
    expect(index.lookup('A.EXAMPLE.COM:8080')).toBe('wild');
    expect(index.lookup('www.example.com.')).toBe('www');
    expect(index.lookup('www.example.com.')).toBe('www');
    expect(index.lookup('other.org')).toBeUndefined();
    expect(index.lookup('other.org')).toBeUndefined();
  });

  it('keeps the first owner of a name', () => {
    const i = new HostIndex<string>();
    expect(i.add('a.com', 'first')).toBe(true);
    expect(i.add('a.com', 'second')).toBe(false);
    expect(i.add('*.a.com', 'w1')).toBe(true);
    expect(i.add('*.a.com', 'w2')).toBe(false);
    expect(i.lookup('a.com')).toBe('first');
    expect(i.lookup('b.a.com')).toBe('w1');
  });

  it('stays bounded when clients send many different Host values', () => {
    const i = new HostIndex<string>();
    i.add('a.com', 'a');
    for (let n = 0; n < 10_000; n++) i.lookup(`x${n}.other.org`);
    expect(i.lookup('A.com')).toBe('a');
  });
});

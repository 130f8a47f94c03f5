import { describe, expect, it } from 'vitest';
import { discoverProcessTypes, parseReleaseOutput } from './process-types.js';

describe('parseReleaseOutput', () => {
  it('reads default_process_types', () => {
    expect(parseReleaseOutput('---\ndefault_process_types:\n  web: npm start\n  worker: node w.js\n', 'Node.js')).toEqual({
      web: 'npm start',
      worker: 'node w.js',
    });
  });

  it.each(['', '---\n', '---\naddons: []\n', 'default_process_types:\n'])('treats %j as no defaults', (text) => {
    expect(parseReleaseOutput(text, 'x')).toEqual({});
  });

  it.each([
    ['invalid YAML', 'default_process_types: [unclosed', /printed invalid YAML/],
    ['a list', '- web\n', /did not print a YAML mapping/],
    ['a bad type name', 'default_process_types:\n  "web app": x\n', /invalid process type "web app"/],
    ['an empty command', 'default_process_types:\n  web: ""\n', /invalid process type "web"/],
  ])('fails the build on %s', (_name, text, message) => {
    expect(() => parseReleaseOutput(text, 'Node.js')).toThrow(
      expect.objectContaining({ code: 'slug_compile_failed', message: expect.stringMatching(message) }),
    );
  });
});

describe('discoverProcessTypes', () => {
  it('lets the Procfile override the buildpack type by type', () => {
    const result = discoverProcessTypes('web: node server.js\nworker: node worker.js\n', { web: 'npm start', clock: 'node clock.js' });
    expect(result.processTypes).toEqual({ web: 'node server.js', worker: 'node worker.js', clock: 'node clock.js' });
    expect(result.lines).toEqual([
      '-----> Discovering process types',
      '       Procfile declares types     -> web, worker',
      '       Default types for buildpack -> clock',
    ]);
  });

  it('uses the defaults when there is no Procfile', () => {
    const result = discoverProcessTypes(undefined, { web: 'npm start' });
    expect(result.processTypes).toEqual({ web: 'npm start' });
    expect(result.lines).toEqual(['-----> Discovering process types', '       Default types for buildpack -> web']);
  });

  it('says so when nothing declares any type', () => {
    expect(discoverProcessTypes('', {}).lines).toEqual(['-----> Discovering process types', '       Procfile declares types     -> (none)']);
  });

  it('fails with the core error on an invalid Procfile', () => {
    expect(() => discoverProcessTypes('web node index.js\n', { web: 'npm start' })).toThrow(
      expect.objectContaining({ code: 'invalid_procfile', message: expect.stringMatching(/line 1/) }),
    );
  });
});

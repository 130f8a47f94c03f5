import { describe, expect, it } from 'vitest';
import { parseDrainUrl, redactDrainUrl } from './drain-url.js';

describe('parseDrainUrl', () => {
  it('accepts syslog, syslog+tls and http(s) URLs', () => {
    expect(parseDrainUrl('syslog://logs.example.com:514')).toEqual({ protocol: 'syslog', tls: false, host: 'logs.example.com', port: 514, url: 'syslog://logs.example.com:514' });
    expect(parseDrainUrl('syslog+tls://10.0.0.1:6514/')).toMatchObject({ protocol: 'syslog', tls: true, port: 6514, url: 'syslog+tls://10.0.0.1:6514' });
    expect(parseDrainUrl('https://user:pw@example.com/logs?x=1')).toMatchObject({ protocol: 'https', tls: true, host: 'example.com', port: 443 });
    expect(parseDrainUrl('http://127.0.0.1:8080/x')).toMatchObject({ protocol: 'https', tls: false, port: 8080 });
  });

  it.each([
    ['', /1 to 2048/],
    ['not a url', /spaces/],
    ['syslog://host', /needs a port/],
    ['syslog://host:514/path', /only host and port/],
    ['syslog://u:p@host:514', /only host and port/],
    ['ftp://host/x', /scheme ftp/],
    ['https://host/x#frag', /fragment/],
    ['https://', /not a URL/],
    [`https://h/${'x'.repeat(3000)}`, /2048/],
  ])('refuses %s', (url, message) => {
    expect(() => parseDrainUrl(url)).toThrow(message);
  });

  it('hides passwords and query strings in what the platform logs', () => {
    expect(redactDrainUrl('https://user:secret@example.com/p?token=abc')).toBe('https://user:***@example.com/p?...');
  });
});

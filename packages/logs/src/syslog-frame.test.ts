import { describe, expect, it } from 'vitest';
import { formatSyslogMessage, frameOctetCounted } from './syslog-frame.js';

describe('syslog framing', () => {
  const line = { time: '2026-11-29T18:00:00.123456+00:00', source: 'app' as const, dyno: 'web.1', message: 'listening on 5000' };

  it('formats RFC 5424: priority, version, timestamp, token as hostname, source, dyno, no msgid or structured data', () => {
    expect(formatSyslogMessage(line, 'd.abc')).toBe('<190>1 2026-11-29T18:00:00.123456+00:00 d.abc app web.1 - - listening on 5000');
    expect(formatSyslogMessage({ ...line, source: 'paas', dyno: 'router' }, 'd.abc')).toMatch(/^<158>1 \S+ d\.abc paas router - - /);
  });

  it('keeps header fields printable without spaces, and never empty', () => {
    expect(formatSyslogMessage({ ...line, dyno: 'we b\u0001' }, '')).toBe('<190>1 2026-11-29T18:00:00.123456+00:00 - app we_b_ - - listening on 5000');
  });

  it('counts octets, not characters (RFC 6587)', () => {
    expect(frameOctetCounted('héllo')).toBe('6 héllo');
    const framed = [frameOctetCounted('a b'), frameOctetCounted('€')].join('');
    expect(framed).toBe('3 a b3 €');
  });
});

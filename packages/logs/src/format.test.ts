import { describe, expect, it } from 'vitest';
import { formatLogLine, formatLogTime, parseLogTime } from './format.js';

describe('log line format', () => {
  it('writes RFC 3339 with microseconds and +00:00, and reads it back', () => {
    const ms = Date.UTC(2026, 10, 29, 18, 0, 0, 123) + 0.456;
    expect(formatLogTime(ms)).toBe('2026-11-29T18:00:00.123456+00:00');
    expect(parseLogTime(formatLogTime(ms))).toBeCloseTo(ms, 6);
    expect(formatLogTime(Date.UTC(2026, 0, 1) + 0.9996)).toBe('2026-01-01T00:00:00.001000+00:00'); // rounds to the µs
    expect(parseLogTime('2026-11-29T18:00:00Z')).toBeNaN();
  });

  it('prints TIME SOURCE[DYNO]: MESSAGE', () => {
    expect(formatLogLine({ time: '2026-11-29T18:00:00.123456+00:00', source: 'app', dyno: 'web.1', message: 'listening on 5000' })).toBe(
      '2026-11-29T18:00:00.123456+00:00 app[web.1]: listening on 5000',
    );
  });
});

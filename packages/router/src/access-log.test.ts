import { describe, expect, it } from 'vitest';
import { formatAccessLine, type AccessRecord } from './access-log.js';

const base: AccessRecord = {
  method: 'GET',
  path: '/',
  hostHeader: 'myapp.localhost',
  requestId: 'abc',
  forwardedFor: '127.0.0.1',
  dyno: 'web.1',
  connectMs: 1,
  serviceMs: 5,
  status: 200,
  bytes: 1234,
  protocol: 'http',
  code: undefined,
};

describe('formatAccessLine', () => {
  it('writes Heroku router lines', () => {
    expect(formatAccessLine(base)).toBe(
      'at=info method=GET path="/" host=myapp.localhost request_id=abc fwd="127.0.0.1" dyno=web.1 connect=1ms service=5ms status=200 bytes=1234 protocol=http',
    );
  });

  it('writes error lines with code and description, and empty timings when no dyno was involved', () => {
    expect(formatAccessLine({ ...base, code: 'H12', serviceMs: 30001, status: 503, bytes: 0 })).toBe(
      'at=error code=H12 desc="Request timeout" method=GET path="/" host=myapp.localhost request_id=abc fwd="127.0.0.1" dyno=web.1 connect=1ms service=30001ms status=503 bytes=0 protocol=http',
    );
    expect(formatAccessLine({ ...base, code: 'H14', dyno: undefined, connectMs: -1, serviceMs: -1, status: 503 })).toContain(
      'dyno= connect= service= status=503',
    );
  });

  it('keeps one line and unambiguous quotes', () => {
    const line = formatAccessLine({ ...base, path: '/a"b\\c', hostHeader: 'evil\nhost x' });
    expect(line).toContain('path="/a\\"b\\\\c"');
    expect(line).toContain('host=evil%0Ahost%20x ');
    expect(line).not.toContain('\n');
  });
});

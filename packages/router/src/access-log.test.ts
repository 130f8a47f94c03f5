import { describe, expect, it } from 'vitest';
import { accessLineBound, formatAccessLine, writeAccessLineJson, type AccessRecord } from './access-log.js';

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

describe('writeAccessLineJson', () => {
  /** What the queue used to do: the line built as a string, JSON-quoted, UTF-8 encoded. */
  const expected = (r: AccessRecord) => Buffer.from(JSON.stringify(formatAccessLine(r)).slice(1, -1), 'utf8');
  const written = (r: AccessRecord) => {
    const bound = accessLineBound(r);
    const out = Buffer.alloc(bound + 8, 0xee);
    const end = writeAccessLineJson(r, out, 3);
    expect(end - 3).toBeLessThanOrEqual(bound);
    expect(out.subarray(end).every((b) => b === 0xee)).toBe(true);
    return out.subarray(3, end);
  };

  it('writes the bytes of the JSON-quoted line without building it', () => {
    const records: AccessRecord[] = [
      base,
      { ...base, code: 'H12', serviceMs: 30001, status: 503, bytes: 0 },
      { ...base, code: 'H14', dyno: undefined, connectMs: -1, serviceMs: -1, status: 503 },
      { ...base, hostHeader: undefined, connectMs: 0, serviceMs: 0, bytes: 0 },
      { ...base, connectMs: 12345678901, serviceMs: 2.5, bytes: 4294967296, status: 499, protocol: 'https' },
      { ...base, forwardedFor: '10.0.0.1, 127.0.0.1', requestId: 'Abc+/=_-0123456789xyzXYZ' },
    ];
    for (const r of records) expect(written(r).toString('latin1')).toBe(expected(r).toString('latin1'));
  });

  it('escapes like formatAccessLine, then like JSON.stringify, in one pass', () => {
    const nasty = 'a"b\\c\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f \xa0\xe9\xff\u0100\u2028\u3000\ufeff\u4e2d\ud83d\ude00\ud800x\udc00';
    const records: AccessRecord[] = [
      { ...base, path: nasty },
      { ...base, hostHeader: nasty },
      { ...base, forwardedFor: nasty },
      { ...base, dyno: nasty, method: nasty, requestId: nasty },
      { ...base, path: '/caf\xe9?q="x"', hostHeader: 'evil\nhost x', forwardedFor: '1.2.3.4\t' },
    ];
    for (const r of records) {
      const bytes = written(r);
      expect(bytes.equals(expected(r))).toBe(true);
      expect(JSON.parse(`"${bytes.toString('utf8')}"`)).toBe(formatAccessLine(r));
    }
  });
});

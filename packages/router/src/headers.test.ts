import { describe, expect, it } from 'vitest';
import { buildUpstreamHead, headerKind, H_HOP, H_OTHER, type RequestFacts } from './headers.js';
import { parseHead } from './response-head.js';

const client = { address: '10.0.0.9', port: '80', proto: 'http' as const };

function facts(): RequestFacts {
  return { hostHeader: undefined, requestId: '', forwardedFor: '', hasBody: false, chunked: false, expectContinue: false, upstreamHead: '' };
}

/** Builds and returns the head, failing on a refusal. */
function build(method: string, target: string, raw: string[], websocket = false, f = facts()): string {
  const refusal = buildUpstreamHead(method, target, raw, client, 1234, websocket, f);
  if (refusal !== undefined) throw new Error(`refused: ${refusal}`);
  return f.upstreamHead;
}

function fields(head: string): [string, string][] {
  return head
    .split('\r\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]);
}

describe('headerKind', () => {
  it('classifies case-insensitively', () => {
    expect(headerKind('Keep-Alive')).toBe(H_HOP);
    expect(headerKind('PROXY-AUTHORIZATION')).toBe(H_HOP);
    expect(headerKind('TE')).toBe(H_HOP);
    expect(headerKind('Accept-Encoding')).toBe(H_OTHER);
    expect(headerKind('User-Agent')).toBe(H_OTHER);
  });
});

describe('buildUpstreamHead', () => {
  it('keeps end-to-end fields in order, drops hop-by-hop ones and adds the router fields', () => {
    const f = facts();
    const head = build(
      'GET',
      '/x?y=1',
      ['Host', 'App.Example.com', 'Connection', 'keep-alive, X-Drop', 'X-Drop', '1', 'Keep-Alive', '5', 'TE', 'trailers', 'Accept', '*/*',
        'X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2', 'X-Forwarded-Proto', 'https', 'X-Request-Start', '1', 'Via', '1.0 other', 'Proxy-Authorization', 'secret'],
      false,
      f,
    );
    expect(head.startsWith('GET /x?y=1 HTTP/1.1\r\n')).toBe(true);
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    const got = fields(head);
    expect(got).toEqual([
      ['Host', 'App.Example.com'],
      ['Accept', '*/*'],
      ['X-Forwarded-For', '1.1.1.1, 2.2.2.2, 10.0.0.9'],
      ['X-Forwarded-Proto', 'http'],
      ['X-Forwarded-Port', '80'],
      ['X-Request-Id', f.requestId],
      ['X-Request-Start', '1234'],
      ['Via', '1.0 other, 1.1 paas'],
    ]);
    expect(f.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(f.hostHeader).toBe('App.Example.com');
  });

  it('keeps a valid incoming request id and replaces an invalid one', () => {
    const good = 'abcdefghij0123456789+/=_-';
    const f = facts();
    build('GET', '/', ['Host', 'a', 'X-Request-Id', good], false, f);
    expect(f.requestId).toBe(good);
    for (const bad of ['short', 'x'.repeat(201), 'has spaces in it, twenty+']) {
      const g = facts();
      build('GET', '/', ['Host', 'a', 'X-Request-Id', bad], false, g);
      expect(g.requestId).not.toBe(bad);
    }
  });

  it('re-frames chunked bodies and keeps Content-Length', () => {
    const f = facts();
    const head = build('POST', '/', ['Host', 'a', 'Transfer-Encoding', 'chunked'], false, f);
    expect(f).toMatchObject({ hasBody: true, chunked: true });
    expect(head).toContain('\r\nTransfer-Encoding: chunked\r\n');
    const g = facts();
    const head2 = build('POST', '/', ['Host', 'a', 'Content-Length', '3'], false, g);
    expect(g).toMatchObject({ hasBody: true, chunked: false });
    expect(head2).toContain('\r\nContent-Length: 3\r\n');
  });

  it('keeps the upgrade for WebSockets only', () => {
    const rawHeaders = ['Host', 'a', 'Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'k'];
    expect(build('GET', '/', rawHeaders, true)).toContain('Connection: Upgrade\r\nUpgrade: websocket\r\n');
    const plain = build('GET', '/', rawHeaders, false);
    expect(plain).not.toMatch(/upgrade/i);
  });

  it('refuses several Host headers and over-long lines', () => {
    expect(buildUpstreamHead('GET', '/', ['Host', 'a', 'Host', 'b'], client, 1, false, facts())).toBe('bad_request');
    expect(buildUpstreamHead('GET', '/', ['Host', 'a', 'X-Big', 'x'.repeat(9000)], client, 1, false, facts())).toBe('header_too_large');
    expect(buildUpstreamHead('GET', `/${'x'.repeat(9000)}`, ['Host', 'a'], client, 1, false, facts())).toBe('uri_too_long');
  });
});

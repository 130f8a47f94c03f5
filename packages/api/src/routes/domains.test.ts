import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RouteTable } from '@paas/core';
import { FakeClock } from '@paas/core/testing';
import { certificateCovers } from '../certificates.js';
import { auth, setup } from '../control-plane.harness.js';

const certDir = mkdtempSync(join(tmpdir(), 'paas-certs-'));
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

/** A self-signed certificate for `names`, valid for `days` from now. */
function selfSigned(names: string[], days: number): { cert: string; key: string } {
  const base = join(certDir, names[0]!.replace(/\*/g, 'star'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.crt`,
    '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
    '-days', String(days),
  ], { stdio: 'ignore' });
  return { cert: readFileSync(`${base}.crt`, 'utf8'), key: readFileSync(`${base}.key`, 'utf8') };
}

async function table(plane: ReturnType<typeof setup>['plane']): Promise<RouteTable> {
  const res = await plane.api.inject({ url: '/router/table?since=0&router=test&wait=0', headers: auth });
  return res.json<RouteTable>();
}

describe('custom domains', () => {
  it('adds exact and wildcard domains to the route table, one app per domain', async () => {
    const { plane } = setup();
    for (const name of ['shop', 'blog']) await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name } });
    const add = (app: string, hostname: string) => plane.api.inject({ method: 'POST', url: `/apps/${app}/domains`, headers: auth, payload: { hostname } });
    expect((await add('shop', 'WWW.Shop.Example.')).json()).toMatchObject({ hostname: 'www.shop.example', kind: 'custom' });
    expect((await add('shop', '*.shop.example')).statusCode).toBe(201);
    const taken = await add('blog', 'www.shop.example');
    expect(taken.statusCode).toBe(409);
    expect(taken.json().id).toBe('domain_taken');
    for (const bad of ['not a host', '-x.example', 'a..b', '*', 'x.localhost', 'blog.localhost', 'localhost']) {
      const res = await add('blog', bad);
      expect(res.statusCode, bad).toBe(422);
    }
    const routes = await table(plane);
    expect(routes.apps.find((a) => a.app === 'shop')?.hosts).toEqual(['shop.localhost', '*.shop.example', 'www.shop.example']);
    const list = (await plane.api.inject({ url: '/apps/shop/domains', headers: auth })).json();
    expect(list.map((d: { hostname: string }) => d.hostname)).toEqual(['shop.localhost', '*.shop.example', 'www.shop.example']);
    const removed = await plane.api.inject({ method: 'DELETE', url: '/apps/shop/domains/www.shop.example', headers: auth });
    expect(removed.statusCode).toBe(200);
    expect((await plane.api.inject({ method: 'DELETE', url: '/apps/shop/domains/www.shop.example', headers: auth })).statusCode).toBe(404);
    expect((await add('blog', 'www.shop.example')).statusCode).toBe(201);
  });

  it('puts maintenance mode in the route table', async () => {
    const { plane } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'maint' } });
    const on = await plane.api.inject({ method: 'PATCH', url: '/apps/maint', headers: auth, payload: { maintenance: true } });
    expect(on.json()).toMatchObject({ maintenance: true });
    expect((await table(plane)).apps.find((a) => a.app === 'maint')?.state).toBe('maintenance');
    expect((await plane.api.inject({ method: 'PATCH', url: '/apps/maint', headers: auth, payload: {} })).statusCode).toBe(422);
  });
});

describe('certificates', () => {
  it('accepts a certificate covering a domain of the app and publishes it for SNI', async () => {
    const { plane } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'secure' } });
    await plane.api.inject({ method: 'POST', url: '/apps/secure/domains', headers: auth, payload: { hostname: 'www.secure.example' } });
    const { cert, key } = selfSigned(['www.secure.example', 'other.example'], 30);
    const res = await plane.api.inject({ method: 'POST', url: '/apps/secure/sni-endpoints', headers: auth, payload: { certificate_chain: cert, private_key: key, name: 'main' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ name: 'main', domains: ['www.secure.example'], ssl_cert: { cert_domains: ['www.secure.example', 'other.example'] } });
    expect(JSON.stringify(res.json())).not.toContain('PRIVATE KEY');
    const routes = await table(plane);
    expect(routes.certificates).toEqual([expect.objectContaining({ app: 'secure', hosts: ['www.secure.example'], certPem: cert, keyPem: key })]);
    expect((await plane.api.inject({ method: 'DELETE', url: '/apps/secure/sni-endpoints/main', headers: auth })).statusCode).toBe(200);
    expect((await table(plane)).certificates).toBeUndefined();
  });

  it('refuses a wrong key, an expired certificate, garbage, and a certificate for none of the domains', async () => {
    const { plane } = setup();
    await plane.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'picky' } });
    await plane.api.inject({ method: 'POST', url: '/apps/picky/domains', headers: auth, payload: { hostname: 'a.picky.example' } });
    const good = selfSigned(['a.picky.example'], 30);
    const other = selfSigned(['elsewhere.example'], 30);
    const later = selfSigned(['*.picky.example'], 30);
    const post = (certificate_chain: string, private_key: string) =>
      plane.api.inject({ method: 'POST', url: '/apps/picky/sni-endpoints', headers: auth, payload: { certificate_chain, private_key } });
    for (const [cert, key, message] of [
      [good.cert, other.key, /does not belong/],
      ['not a cert', good.key, /not a PEM X.509/],
      [good.cert, 'not a key', /not a PEM private key/],
      [other.cert, other.key, /covers none of picky's domains/],
    ] as const) {
      const res = await post(cert, key);
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ id: 'certificate_invalid', message: expect.stringMatching(message) });
    }
    expect((await plane.api.inject({ url: '/apps/picky/sni-endpoints', headers: auth })).json()).toEqual([]);

    // Seen from 31 days on, the same certificate has expired.
    const future = setup({ clock: new FakeClock(Date.now() + 31 * 86_400_000) }).plane;
    await future.api.inject({ method: 'POST', url: '/apps', headers: auth, payload: { name: 'picky' } });
    const res = await future.api.inject({ method: 'POST', url: '/apps/picky/sni-endpoints', headers: auth, payload: { certificate_chain: later.cert, private_key: later.key } });
    expect(res.json()).toMatchObject({ id: 'certificate_invalid', message: expect.stringMatching(/expired/) });
  });
});

describe('certificateCovers', () => {
  it('matches exact names and one-label wildcards, like TLS', () => {
    expect(certificateCovers('www.example.com', 'www.example.com')).toBe(true);
    expect(certificateCovers('*.example.com', 'www.example.com')).toBe(true);
    expect(certificateCovers('*.example.com', 'a.b.example.com')).toBe(false);
    expect(certificateCovers('*.example.com', 'example.com')).toBe(false);
    expect(certificateCovers('*.example.com', '*.example.com')).toBe(true);
    expect(certificateCovers('www.example.com', '*.example.com')).toBe(false);
  });
});

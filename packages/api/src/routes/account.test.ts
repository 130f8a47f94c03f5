import { describe, expect, it } from 'vitest';
import { FakeClock } from '@paas/core/testing';
import type { ControlPlane } from '../control-plane.js';
import { auth, setup } from '../control-plane.harness.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function addUser(plane: ControlPlane, email: string, password = 'correct horse battery'): Promise<string> {
  const res = await plane.api.inject({ method: 'POST', url: '/users', headers: auth, payload: { email, password } });
  expect(res.statusCode).toBe(201);
  const login = await plane.api.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
  expect(login.statusCode).toBe(201);
  return login.json().token as string;
}

describe('users and access', () => {
  it('logs in with email and password, refuses wrong ones the same way, and revokes on logout', async () => {
    const { plane, store } = setup();
    const token = await addUser(plane, 'ada@example.com');
    expect(token).toMatch(/^paas_/);
    expect((await plane.api.inject({ url: '/account', headers: bearer(token) })).json()).toMatchObject({ email: 'ada@example.com', admin: false });
    for (const payload of [{ email: 'ada@example.com', password: 'wrong' }, { email: 'nobody@example.com', password: 'wrong' }]) {
      const res = await plane.api.inject({ method: 'POST', url: '/auth/login', payload });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ id: 'unauthorized', message: 'Wrong email or password.' });
    }
    // Only hashes are stored: neither the token nor the password is in the database.
    const dump = JSON.stringify(store.db.prepare('SELECT * FROM users').all()) + JSON.stringify(store.db.prepare('SELECT * FROM api_tokens').all());
    expect(dump).not.toContain(token);
    expect(dump).not.toContain('correct horse battery');
    expect((await plane.api.inject({ method: 'DELETE', url: '/auth/token', headers: bearer(token) })).statusCode).toBe(200);
    expect((await plane.api.inject({ url: '/account', headers: bearer(token) })).statusCode).toBe(401);
  });

  it('rate-limits login attempts per email, then lets them in again after the window', async () => {
    const clock = new FakeClock(Date.now());
    const { plane } = setup({ clock });
    await plane.api.inject({ method: 'POST', url: '/users', headers: auth, payload: { email: 'bob@example.com', password: 'right password' } });
    const attempt = (password: string) => plane.api.inject({ method: 'POST', url: '/auth/login', payload: { email: 'bob@example.com', password } });
    for (let i = 0; i < 5; i++) expect((await attempt('guess')).statusCode).toBe(401);
    const limited = await attempt('right password');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().id).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    clock.advance(60_000);
    expect((await attempt('right password')).statusCode).toBe(201);
  });

  it('shows each user only their apps; others are 404, as if they did not exist', async () => {
    const { plane } = setup();
    const ada = await addUser(plane, 'ada@example.com');
    const bob = await addUser(plane, 'bob@example.com');
    expect((await plane.api.inject({ method: 'POST', url: '/apps', headers: bearer(ada), payload: { name: 'ada-app' } })).statusCode).toBe(201);
    expect((await plane.api.inject({ method: 'POST', url: '/apps', headers: bearer(bob), payload: { name: 'bob-app' } })).statusCode).toBe(201);
    const names = async (token: string) => (await plane.api.inject({ url: '/apps', headers: bearer(token) })).json().map((a: { name: string }) => a.name);
    expect(await names(ada)).toEqual(['ada-app']);
    expect(await names(bob)).toEqual(['bob-app']);
    expect(await names('test-token-0123456789')).toEqual(['ada-app', 'bob-app']);
    for (const url of ['/apps/bob-app', '/apps/bob-app/config-vars', '/apps/bob-app/releases', '/apps/bob-app/logs']) {
      const res = await plane.api.inject({ url, headers: bearer(ada) });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toEqual({ id: 'app_not_found', message: "Couldn't find that app: bob-app." });
    }
    expect((await plane.api.inject({ method: 'DELETE', url: '/apps/bob-app', headers: bearer(ada) })).statusCode).toBe(404);
    expect((await plane.api.inject({ method: 'POST', url: '/users', headers: bearer(ada), payload: { email: 'x@example.com' } })).statusCode).toBe(403);
    expect((await plane.api.inject({ url: '/router/table?router=r', headers: bearer(ada) })).statusCode).toBe(403);
  });

  it('lets a collaborator change the app but not destroy it or share it', async () => {
    const { plane } = setup();
    const owner = await addUser(plane, 'owner@example.com');
    const collab = await addUser(plane, 'collab@example.com');
    await plane.api.inject({ method: 'POST', url: '/apps', headers: bearer(owner), payload: { name: 'shared' } });
    const add = await plane.api.inject({ method: 'POST', url: '/apps/shared/collaborators', headers: bearer(owner), payload: { user: 'collab@example.com' } });
    expect(add.statusCode).toBe(201);
    expect((await plane.api.inject({ method: 'PATCH', url: '/apps/shared/config-vars', headers: bearer(collab), payload: { A: '1' } })).statusCode).toBe(200);
    const destroy = await plane.api.inject({ method: 'DELETE', url: '/apps/shared', headers: bearer(collab) });
    expect(destroy.statusCode).toBe(403);
    expect(destroy.json().message).toMatch(/Only the owner of shared/);
    expect((await plane.api.inject({ method: 'POST', url: '/apps/shared/collaborators', headers: bearer(collab), payload: { user: 'owner@example.com' } })).statusCode).toBe(403);
    const list = (await plane.api.inject({ url: '/apps/shared/collaborators', headers: bearer(collab) })).json();
    expect(list.map((c: { user: { email: string }; role: string }) => [c.user.email, c.role])).toEqual([
      ['owner@example.com', 'owner'],
      ['collab@example.com', 'collaborator'],
    ]);
    expect((await plane.api.inject({ method: 'DELETE', url: '/apps/shared/collaborators/collab@example.com', headers: bearer(owner) })).statusCode).toBe(200);
    expect((await plane.api.inject({ url: '/apps/shared', headers: bearer(collab) })).statusCode).toBe(404);
    expect((await plane.api.inject({ method: 'DELETE', url: '/apps/shared', headers: bearer(owner) })).statusCode).toBe(200);
  });
});

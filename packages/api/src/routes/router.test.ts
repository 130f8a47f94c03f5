import { describe, expect, it } from 'vitest';
import { auth, setup } from '../control-plane.harness.js';

describe('router processes', () => {
  it('lists the routers that poll, forgets one that leaves, and validates the id', async () => {
    const { plane } = setup();
    for (const id of ['host-1-a', 'host-2-b']) {
      expect((await plane.api.inject({ url: `/router/table?since=0&router=${id}&wait=0`, headers: auth })).statusCode).toBe(200);
    }
    const list = async () => (await plane.api.inject({ url: '/router/routers', headers: auth })).json<{ id: string }[]>().map((r) => r.id);
    expect(await list()).toEqual(['host-1-a', 'host-2-b']);
    const leave = await plane.api.inject({ method: 'DELETE', url: '/router/routers/host-1-a', headers: auth });
    expect(leave.statusCode).toBe(204);
    expect(await list()).toEqual(['host-2-b']);
    // Leaving twice is no error; a malformed id is.
    expect((await plane.api.inject({ method: 'DELETE', url: '/router/routers/host-1-a', headers: auth })).statusCode).toBe(204);
    const bad = await plane.api.inject({ method: 'DELETE', url: '/router/routers/bad%20id', headers: auth });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ id: expect.any(String), message: expect.stringMatching(/router/) });
    expect((await plane.api.inject({ method: 'DELETE', url: '/router/routers/host-2-b' })).statusCode).toBe(401);
  });
});

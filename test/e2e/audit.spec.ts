import { createKey, createUser } from '../support/decisions.js';
import { client } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('Audit trail (admin API)', () => {
  let service: TestApp;
  let admin: ReturnType<typeof client>;
  const adminName = () => service.adminUsername;

  beforeAll(async () => {
    service = await startTestApp();
    admin = client(service.url, service.adminKey);
  });
  afterAll(() => service.close());

  it('records the bootstrap, without an actor', async () => {
    const events = await admin.get('/v1/admin/audit?action=admin.bootstrap');
    expect(events.status).toBe(200);
    expect(events.body.items).toHaveLength(1);
    expect(events.body.items[0]).toMatchObject({
      actorUsername: null,
      targetId: service.adminUserId,
    });
  });

  it('records who changed what, when and from where, newest first, never a secret', async () => {
    const since = new Date().toISOString();
    const userId = await createUser(admin, 'eve', { email: 'eve@example.com' });
    const key = await createKey(admin, { userId }, { name: 'eve-ci' });
    await admin.post(`/v1/admin/keys/${key.id}/revoke`);
    await admin.patch('/v1/admin/settings', { body: { identityHeaderStyle: 'kong' } });

    const events = await admin.get(`/v1/admin/audit?since=${encodeURIComponent(since)}`);
    expect(events.status).toBe(200);
    expect(events.body.items.map((e: { action: string }) => e.action)).toEqual([
      'settings.update',
      'key.revoke',
      'key.create',
      'user.create',
    ]);
    const [settings, revoke, create, user] = events.body.items;
    expect(user).toMatchObject({
      actorUsername: adminName(),
      actorUserId: service.adminUserId,
      targetId: userId,
      ip: '127.0.0.1',
      details: { username: 'eve', email: 'eve@example.com' },
    });
    expect(create).toMatchObject({ targetId: key.id, details: { name: 'eve-ci', type: 'bearer' } });
    expect(revoke).toMatchObject({ targetId: key.id });
    expect(settings.details).toEqual({ identityHeaderStyle: 'kong' });
    expect(events.text).not.toContain(key.key);
    expect(events.text).not.toContain(service.adminKey);
  });

  it('filters by actor, action (or prefix) and record', async () => {
    const userId = await createUser(admin, 'finn');
    const key = await createKey(admin, { userId });
    await admin.delete(`/v1/admin/keys/${key.id}`);
    const byTarget = await admin.get(`/v1/admin/audit?target=${key.id}`);
    expect(byTarget.body.items.map((e: { action: string }) => e.action)).toEqual([
      'key.delete',
      'key.create',
    ]);
    const keysOnly = await admin.get('/v1/admin/audit?action=key.');
    expect(keysOnly.body.items.every((e: { action: string }) => e.action.startsWith('key.'))).toBe(
      true,
    );
    const byActor = await admin.get(`/v1/admin/audit?actor=${adminName().toUpperCase()}`);
    expect(byActor.body.total).toBeGreaterThan(3);
    expect((await admin.get('/v1/admin/audit?actor=nobody')).body.total).toBe(0);
  });

  it('records self-service changes with the user as the actor', async () => {
    await admin.patch('/v1/admin/settings', { body: { allowSelfServiceKeys: true } });
    const userId = await createUser(admin, 'gus');
    const own = client(service.url, (await createKey(admin, { userId })).key);
    const created = await own.post('/v1/me/keys', {
      body: { name: 'mine', type: 'bearer', expiresIn: '1 day' },
    });
    expect(created.status).toBe(201);
    const events = await admin.get(`/v1/admin/audit?actor=gus`);
    expect(events.body.items).toHaveLength(1);
    expect(events.body.items[0]).toMatchObject({
      action: 'key.create',
      actorUserId: userId,
      targetId: created.body.id,
    });
  });

  it('records nothing for a refused request', async () => {
    const before = (await admin.get('/v1/admin/audit')).body.total;
    expect((await admin.post('/v1/admin/users', { body: { username: 'bad name' } })).status).toBe(
      400,
    );
    expect(
      (
        await admin.post('/v1/admin/keys', {
          body: { username: 'nobody', name: 'x', type: 'bearer', expiresIn: 'never' },
        })
      ).status,
    ).toBe(404);
    expect((await admin.get('/v1/admin/audit')).body.total).toBe(before);
  });

  it('is for admins only, and validates its filters', async () => {
    const userId = await createUser(admin, 'hal');
    const outsider = client(service.url, (await createKey(admin, { userId })).key);
    expect((await outsider.get('/v1/admin/audit')).status).toBe(403);
    const bad = await admin.get('/v1/admin/audit?since=yesterday&action=DROP%20TABLE');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      '#/action',
      '#/since',
    ]);
  });
});

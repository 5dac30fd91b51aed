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
    expect(revoke).toMatchObject({
      targetId: key.id,
      details: { before: { state: 'active' }, after: { state: 'revoked', name: 'eve-ci' } },
    });
    expect(settings.details).toMatchObject({
      identityHeaderStyle: 'kong',
      before: { identityHeaderStyle: 'x-auth' },
      after: { identityHeaderStyle: 'kong' },
    });
    expect(events.text).not.toContain(key.key);
    expect(events.text).not.toContain(service.adminKey);
  });

  it('records every settings field, with its value before and after', async () => {
    const change = {
      maxKeyLifetime: '30 days',
      allowSelfServiceKeys: true,
      maxActiveKeysPerUser: 3,
      disablePasswordBasicAuth: false,
    };
    const before = (await admin.get('/v1/admin/settings')).body;
    expect((await admin.patch('/v1/admin/settings', { body: change })).status).toBe(200);
    const [event] = (await admin.get('/v1/admin/audit?action=settings.update&limit=1')).body.items;
    expect(event.details).toMatchObject({
      ...change,
      before: {
        maxKeyLifetime: before.maxKeyLifetime,
        allowSelfServiceKeys: before.allowSelfServiceKeys,
        maxActiveKeysPerUser: before.maxActiveKeysPerUser,
        disablePasswordBasicAuth: before.disablePasswordBasicAuth,
      },
      after: change,
    });
    const { maxKeyLifetime, allowSelfServiceKeys, maxActiveKeysPerUser } = before;
    const restore = { maxKeyLifetime, allowSelfServiceKeys, maxActiveKeysPerUser };
    expect((await admin.patch('/v1/admin/settings', { body: restore })).status).toBe(200);
  });

  it("keeps a deleted record's name, and a declared secret's presence but never its value", async () => {
    const group = await admin.post('/v1/admin/groups', { body: { name: 'short-lived' } });
    expect((await admin.delete(`/v1/admin/groups/${group.body.id}`)).status).toBe(204);
    const [deleted] = (
      await admin.get(`/v1/admin/audit?target=${group.body.id}&action=group.delete`)
    ).body.items;
    expect(deleted.details.before).toMatchObject({ name: 'short-lived' });

    const secret = 'client-secret-value-0123456789';
    const provider = await admin.post('/v1/admin/providers', {
      body: {
        name: 'Audited IdP',
        preset: 'custom',
        discover: false,
        clientId: 'portcullis',
        validation: 'introspection',
        introspectionEndpoint: 'https://idp.example.com/introspect',
        clientSecret: secret,
      },
    });
    expect(provider.status).toBe(201);
    const rotated = `${secret}-2`;
    await admin.patch(`/v1/admin/providers/${provider.body.id}`, {
      body: { clientSecret: rotated },
    });
    const events = await admin.get(`/v1/admin/audit?target=${provider.body.id}`);
    const [update, create] = events.body.items;
    expect(create.details).toMatchObject({ name: 'Audited IdP', clientSecret: '[secret]' });
    expect(update.details).toMatchObject({
      clientSecret: '[secret]',
      before: { name: 'Audited IdP', hasClientSecret: true },
      after: { name: 'Audited IdP', hasClientSecret: true },
    });
    expect(events.text).not.toContain(secret);

    const signIn = await client(service.url).post('/console/session', {
      body: { key: service.adminKey },
    });
    expect(signIn.status).toBe(201);
    const [session] = (await admin.get('/v1/admin/audit?action=console.sign-in&limit=1')).body
      .items;
    expect(session.details).toEqual({ key: '[secret]' });
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

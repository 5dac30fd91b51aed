import { createKey, createUser, nginxCheck, type CreatedKey } from '../support/decisions.js';
import { client } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Starting the service takes longer than Jest's 30 s when the machine is loaded.
const SLOW_START_MS = 120_000;

describe('Self-service keys (/v1/me)', () => {
  let service: TestApp;
  let admin: ReturnType<typeof client>;
  let ada: ReturnType<typeof client>;
  let bob: ReturnType<typeof client>;
  let adaKey: CreatedKey;
  let bobKey: CreatedKey;
  const settings = (body: Record<string, unknown>) => admin.patch('/v1/admin/settings', { body });
  const ownKey = (body: Record<string, unknown> = {}) =>
    ada.post('/v1/me/keys', {
      body: { name: 'mine', type: 'bearer', expiresIn: '30 days', ...body },
    });

  beforeAll(async () => {
    service = await startTestApp();
    admin = client(service.url, service.adminKey);
    await createUser(admin, 'ada', { email: 'ada@example.com' });
    await createUser(admin, 'bob');
    adaKey = await createKey(admin, { username: 'ada' });
    bobKey = await createKey(admin, { username: 'bob' });
    ada = client(service.url, adaKey.key);
    bob = client(service.url, bobKey.key);
  }, SLOW_START_MS);
  afterAll(() => service.close());

  describe('happy path', () => {
    it('tells the caller who they are', async () => {
      const me = await ada.get('/v1/me');
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({
        username: 'ada',
        email: 'ada@example.com',
        keyId: adaKey.keyId,
        selfServiceKeys: false,
      });
    });

    it('creates, lists and revokes the caller’s own keys when self-service is on', async () => {
      await settings({ allowSelfServiceKeys: true });
      const created = await ownKey();
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ username: 'ada', type: 'bearer', state: 'active' });
      expect(created.body.key).toMatch(/^pcl_[0-9A-Za-z]{44}$/);
      expect(
        (await nginxCheck(service.url, { authorization: `Bearer ${created.body.key}` })).status,
      ).toBe(200);

      const list = await ada.get('/v1/me/keys?state=active');
      expect(list.status).toBe(200);
      expect(list.body.items.map((k: { id: string }) => k.id).sort()).toEqual(
        [adaKey.id, created.body.id].sort(),
      );
      expect(list.text).not.toContain(created.body.key);

      const revoked = await ada.post(`/v1/me/keys/${created.body.id}/revoke`);
      expect(revoked.status).toBe(200);
      expect(revoked.body.state).toBe('revoked');
      expect(
        (await nginxCheck(service.url, { authorization: `Bearer ${created.body.key}` })).status,
      ).toBe(401);
    });
  });

  describe('errors', () => {
    it('refuses to create keys while self-service is off, but still lists and revokes', async () => {
      await settings({ allowSelfServiceKeys: false });
      const refused = await ownKey();
      expect(refused.status).toBe(403);
      expect(refused.body.type).toBe('urn:portcullis:problem:self-service-keys-disabled');
      expect((await ada.get('/v1/me/keys')).status).toBe(200);
    });

    it('bounds own keys by the maximum lifetime', async () => {
      await settings({ allowSelfServiceKeys: true, maxKeyLifetime: '60 days' });
      try {
        const tooLong = await ownKey({ expiresIn: 'never' });
        expect(tooLong.status).toBe(400);
        expect(tooLong.body.detail).toContain('60 days');
      } finally {
        await settings({ maxKeyLifetime: null });
      }
    });

    it('caps active keys per user, for self-service and admin keys alike', async () => {
      await createUser(admin, 'cap');
      const capKey = await createKey(admin, { username: 'cap' });
      const cap = client(service.url, capKey.key);
      await settings({ allowSelfServiceKeys: true, maxActiveKeysPerUser: 2 });
      try {
        const second = await cap.post('/v1/me/keys', {
          body: { name: 'two', type: 'basic', expiresIn: '1 day' },
        });
        expect(second.status).toBe(201);
        const third = await cap.post('/v1/me/keys', {
          body: { name: 'three', type: 'bearer', expiresIn: '1 day' },
        });
        expect(third.status).toBe(409);
        expect(third.body.type).toBe('urn:portcullis:problem:too-many-active-keys');
        const byAdmin = await admin.post('/v1/admin/keys', {
          body: { username: 'cap', name: 'admin-made', type: 'bearer', expiresIn: 'never' },
        });
        expect(byAdmin.status).toBe(409);
        // A revoked key no longer counts.
        await cap.post(`/v1/me/keys/${second.body.id}/revoke`);
        expect(
          (
            await cap.post('/v1/me/keys', {
              body: { name: 'again', type: 'bearer', expiresIn: '1 day' },
            })
          ).status,
        ).toBe(201);
      } finally {
        await settings({ maxActiveKeysPerUser: null });
      }
    });

    it('validates the request like the admin API', async () => {
      await settings({ allowSelfServiceKeys: true });
      const bad = await ownKey({ type: 'jwt', expiresIn: 'forever', userId: bobKey.id });
      expect(bad.status).toBe(400);
      const pointers = bad.body.errors.map((e: { pointer: string }) => e.pointer).sort();
      expect(pointers).toEqual(['#/expiresIn', '#/type', '#/userId']);
    });
  });

  describe('security', () => {
    it('never shows or revokes another user’s keys', async () => {
      const list = await bob.get('/v1/me/keys');
      expect(list.body.items.map((k: { username: string }) => k.username)).toEqual(['bob']);
      expect((await bob.get(`/v1/me/keys?userId=${adaKey.id}`)).status).toBe(400);
      // Nor by another owner's name: the filter does not exist here.
      const byOwner = await bob.get('/v1/me/keys?owner=ada');
      expect(byOwner.status).toBe(400);
      expect(byOwner.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['#/owner']);
      // A search looks through one's own keys only.
      const searched = await bob.get(`/v1/me/keys?search=${encodeURIComponent(adaKey.keyId)}`);
      expect(searched.status).toBe(200);
      expect(searched.body.total).toBe(0);
      const foreign = await bob.post(`/v1/me/keys/${adaKey.id}/revoke`);
      expect(foreign.status).toBe(404);
      expect((await admin.get(`/v1/admin/keys/${adaKey.id}`)).body.state).toBe('active');
    });

    it('needs a valid key, and gives no admin power', async () => {
      expect((await client(service.url).get('/v1/me')).status).toBe(401);
      expect((await ada.get('/v1/admin/keys')).status).toBe(403);
    });
  });
});

import {
  createKey,
  createUser,
  nginxCheck,
  setKeyExpiry,
  type AdminClient,
} from '../support/decisions.js';
import { client, type Reply } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Starting the service takes longer than Jest's 30 s when the machine is loaded.
const SLOW_START_MS = 120_000;

const KEY_SHAPE = /^pcl_[0-9A-Za-z]{44}$/;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const MINUTE = 60_000;
const DAY = 86_400_000;

function ids(reply: Reply): string[] {
  return (reply.body.items as { id: string }[]).map((k) => k.id);
}

describe('Keys (admin API)', () => {
  let service: TestApp;
  let admin: AdminClient;
  let aliceId: string;
  let bobId: string;

  beforeAll(async () => {
    service = await startTestApp();
    admin = client(service.url, service.adminKey);
    aliceId = await createUser(admin, 'alice');
    bobId = await createUser(admin, 'bob');
  }, SLOW_START_MS);
  afterAll(() => service.close());

  /** Creates a key and returns the whole 201 response. */
  function post(body: Record<string, unknown>): Promise<Reply> {
    return admin.post('/v1/admin/keys', {
      body: { name: 'test key', type: 'bearer', expiresIn: 'never', ...body },
    });
  }

  it('marks every answer that carries a secret Cache-Control: no-store', async () => {
    const created = await post({ userId: aliceId });
    const alice = created.body.key as string;
    await admin.patch('/v1/admin/settings', { body: { allowSelfServiceKeys: true } });
    const selfService = await client(service.url, alice).post('/v1/me/keys', {
      body: { name: 'own', type: 'bearer', expiresIn: '1 day' },
    });
    await admin.patch('/v1/admin/settings', { body: { allowSelfServiceKeys: false } });
    const introspector = await admin.post('/v1/admin/introspection-clients', {
      body: { name: `gateway-${Date.now()}` },
    });
    const session = await client(service.url).post('/console/session', { body: { key: alice } });
    const answers = { created, selfService, introspector, session };
    for (const [name, reply] of Object.entries(answers)) {
      expect({ name, status: reply.status, cache: reply.headers.get('cache-control') }).toEqual({
        name,
        status: 201,
        cache: 'no-store',
      });
    }
    expect(selfService.body.key).toMatch(KEY_SHAPE);
    expect(introspector.body.clientSecret).toEqual(expect.any(String));
    // And so does any other admin answer: they hold personal data.
    expect((await admin.get('/v1/admin/keys')).headers.get('cache-control')).toBe('no-store');
  });

  describe('happy path', () => {
    it.each([
      ['bearer', 'userId'],
      ['basic', 'userId'],
      ['bearer', 'username'],
      ['basic', 'username'],
    ] as const)('creates a %s key by %s, showing the key once', async (type, by) => {
      const owner = by === 'userId' ? { userId: aliceId } : { username: 'ALICE' };
      const created = await post({ ...owner, type, name: `ci-${type}-${by}`, description: 'ci' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: `ci-${type}-${by}`,
        description: 'ci',
        type,
        state: 'active',
        userId: aliceId,
        username: 'alice',
        createdById: service.adminUserId,
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });
      const { key, keyId, id } = created.body as { key: string; keyId: string; id: string };
      expect(key).toMatch(KEY_SHAPE);
      expect(keyId).toMatch(/^[0-9A-Za-z]{8}$/);
      expect(key.slice(4, 12)).toBe(keyId);

      const fetched = await admin.get(`/v1/admin/keys/${id}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body).toMatchObject({ id, keyId, type, state: 'active' });
      expect(fetched.body).not.toHaveProperty('key');
      expect(fetched.text).not.toContain(key);
      const listed = await admin.get(`/v1/admin/keys?userId=${aliceId}&limit=500`);
      expect(ids(listed)).toContain(id);
      expect(listed.text).not.toContain(key);
      expect(listed.text).not.toMatch(/pcl_[0-9A-Za-z]{44}/);
    });

    it('gives a key an expiry about now plus its lifetime', async () => {
      for (const [expiresIn, ms] of [
        ['90 days', 90 * DAY],
        ['2 weeks', 14 * DAY],
        ['12 hours', 12 * 60 * MINUTE],
        ['30minutes', 30 * MINUTE],
      ] as const) {
        const before = Date.now();
        const created = await post({ userId: bobId, expiresIn });
        const after = Date.now();
        expect(created.status).toBe(201);
        const expiresAt = Date.parse(created.body.expiresAt as string);
        // The service's clock reads between ours; allow a second for rounding.
        expect(expiresAt).toBeGreaterThanOrEqual(before + ms - 1000);
        expect(expiresAt).toBeLessThanOrEqual(after + ms + 1000);
      }
    });

    it('lists keys by owner and by state', async () => {
      const carolId = await createUser(admin, 'carol');
      const active = await createKey(admin, { userId: carolId }, { expiresIn: '90 days' });
      const forever = await createKey(admin, { userId: carolId }, { type: 'basic' });
      const expired = await createKey(admin, { userId: carolId }, { expiresIn: '1 minute' });
      await setKeyExpiry(service, expired.id, new Date(Date.now() - MINUTE));
      const revoked = await createKey(admin, { userId: carolId });
      expect((await admin.post(`/v1/admin/keys/${revoked.id}/revoke`)).status).toBe(200);
      const bobs = await createKey(admin, { userId: bobId });

      const carols = await admin.get(`/v1/admin/keys?userId=${carolId}`);
      expect(carols.status).toBe(200);
      expect(carols.body.total).toBe(4);
      expect(ids(carols).sort()).toEqual([active.id, forever.id, expired.id, revoked.id].sort());
      expect(ids(carols)).not.toContain(bobs.id);

      const byState = async (state: string) => {
        const reply = await admin.get(`/v1/admin/keys?userId=${carolId}&state=${state}`);
        expect(reply.status).toBe(200);
        expect(reply.body.items.every((k: { state: string }) => k.state === state)).toBe(true);
        return ids(reply).sort();
      };
      expect(await byState('active')).toEqual([active.id, forever.id].sort());
      expect(await byState('expired')).toEqual([expired.id]);
      expect(await byState('revoked')).toEqual([revoked.id]);
      expect((await admin.get(`/v1/admin/keys/${expired.id}`)).body.state).toBe('expired');

      // Across owners, a state filter still applies.
      const allRevoked = await admin.get('/v1/admin/keys?state=revoked&limit=500');
      expect(ids(allRevoked)).toContain(revoked.id);
      expect(ids(allRevoked)).not.toContain(active.id);

      const page = await admin.get(`/v1/admin/keys?userId=${carolId}&limit=3&offset=3`);
      expect(page.body).toMatchObject({ total: 4, limit: 3, offset: 3 });
      expect(page.body.items).toHaveLength(1);
    });

    it('lists keys whose name or key id contains a search text, and keys of an owner by username', async () => {
      const daveId = await createUser(admin, 'dave');
      const deploy = await createKey(admin, { userId: daveId }, { name: 'Deploy-Prod' });
      const percent = await createKey(admin, { userId: daveId }, { name: '50%-off' });
      await createKey(admin, { userId: daveId }, { name: '500-fold' });
      const bobs = await createKey(admin, { userId: bobId }, { name: 'deploy-staging' });

      // Partial and in any case; "%" is a character like any other, not a wildcard.
      const found = await admin.get('/v1/admin/keys?search=PLOY&limit=500');
      expect(found.status).toBe(200);
      expect(ids(found)).toEqual(expect.arrayContaining([deploy.id, bobs.id]));
      expect(found.body.items.every((k: { name: string }) => /ploy/i.test(k.name))).toBe(true);
      expect(found.body.total).toBe(found.body.items.length);
      expect(ids(await admin.get('/v1/admin/keys?search=50%25'))).toEqual([percent.id]);
      const keyId = (await admin.get(`/v1/admin/keys/${deploy.id}`)).body.keyId as string;
      expect(ids(await admin.get(`/v1/admin/keys?search=${keyId.slice(1, 6)}`))).toContain(
        deploy.id,
      );

      const daves = await admin.get('/v1/admin/keys?owner=DAVE&search=deploy');
      expect(daves.status).toBe(200);
      expect(ids(daves)).toEqual([deploy.id]);
      expect(daves.body.total).toBe(1);
      const same = await admin.get(`/v1/admin/keys?owner=dave&userId=${daveId}&limit=2`);
      expect(same.body).toMatchObject({ total: 3, limit: 2 });
    });

    it('pages through every key once, however many were made at the same moment', async () => {
      const erinId = await createUser(admin, 'erin');
      const made = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          createKey(admin, { userId: erinId }, { name: `e${i}` }),
        ),
      );
      const seen: string[] = [];
      for (let offset = 0; offset < 25; offset += 10) {
        const page = await admin.get(`/v1/admin/keys?owner=erin&limit=10&offset=${offset}`);
        expect(page.body.total).toBe(25);
        seen.push(...ids(page));
      }
      expect(seen).toHaveLength(25);
      expect(new Set(seen)).toEqual(new Set(made.map((k) => k.id)));
    });

    it('revokes idempotently, keeping the first revocation time', async () => {
      const key = await createKey(admin, { userId: bobId });
      const first = await admin.post(`/v1/admin/keys/${key.id}/revoke`);
      expect(first.status).toBe(200);
      expect(first.body.state).toBe('revoked');
      expect(first.body.revokedAt).toEqual(expect.any(String));
      expect(first.text).not.toContain(key.key);

      await new Promise((resolve) => setTimeout(resolve, 20));
      const second = await admin.post(`/v1/admin/keys/${key.id}/revoke`);
      expect(second.status).toBe(200);
      expect(second.body.state).toBe('revoked');
      expect(second.body.revokedAt).toBe(first.body.revokedAt);
      expect((await admin.get(`/v1/admin/keys/${key.id}`)).body.revokedAt).toBe(
        first.body.revokedAt,
      );
    });

    it('deletes a key: 204, then 404', async () => {
      const key = await createKey(admin, { userId: bobId });
      expect((await admin.delete(`/v1/admin/keys/${key.id}`)).status).toBe(204);
      expect((await admin.get(`/v1/admin/keys/${key.id}`)).status).toBe(404);
      expect((await admin.delete(`/v1/admin/keys/${key.id}`)).status).toBe(404);
      expect((await admin.post(`/v1/admin/keys/${key.id}/revoke`)).status).toBe(404);
      expect(ids(await admin.get(`/v1/admin/keys?userId=${bobId}&limit=500`))).not.toContain(
        key.id,
      );
    });
  });

  describe('by public key id', () => {
    it('gets, updates, revokes and deletes a key named by the key id that X-Auth-Credential shows', async () => {
      const key = await createKey(admin, { userId: bobId });
      const allowed = await nginxCheck(service.url, { authorization: `Bearer ${key.key}` });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('x-auth-credential')).toBe(key.keyId);

      const got = await admin.get(`/v1/admin/keys/${key.keyId}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ id: key.id, keyId: key.keyId });

      const renamed = await admin.patch(`/v1/admin/keys/${key.keyId}`, {
        body: { name: 'renamed by key id' },
      });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id: key.id, name: 'renamed by key id' });

      const revoked = await admin.post(`/v1/admin/keys/${key.keyId}/revoke`);
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ id: key.id, state: 'revoked' });
      expect((await nginxCheck(service.url, { authorization: `Bearer ${key.key}` })).status).toBe(
        401,
      );

      expect((await admin.delete(`/v1/admin/keys/${key.keyId}`)).status).toBe(204);
      expect((await admin.get(`/v1/admin/keys/${key.id}`)).status).toBe(404);
      // The audit trail names the key by its record id, however the path named it.
      const deleted = await admin.get(`/v1/admin/audit?action=key.delete&target=${key.id}`);
      expect(deleted.body.total).toBe(1);
      const revokedEvent = await admin.get(`/v1/admin/audit?action=key.revoke&target=${key.id}`);
      expect(revokedEvent.body.total).toBe(1);
    });

    it('answers 404 for a key id no key has, saying which', async () => {
      const path = '/v1/admin/keys/ZZZZZZZZ';
      for (const [method, reply] of [
        ['GET', await admin.get(path)],
        ['PATCH', await admin.patch(path, { body: { name: 'x' } })],
        ['POST', await admin.post(`${path}/revoke`)],
        ['DELETE', await admin.delete(path)],
      ] as const) {
        expect({ method, status: reply.status }).toEqual({ method, status: 404 });
        expect(reply.body.detail).toBe('No key with key id "ZZZZZZZZ"');
      }
    });

    it("lets a user revoke their own key by key id, and not another user's", async () => {
      await admin.patch('/v1/admin/settings', { body: { allowSelfServiceKeys: true } });
      try {
        const own = await createKey(admin, { userId: aliceId });
        const other = await createKey(admin, { userId: bobId });
        const alice = client(service.url, own.key);
        const extra = await alice.post('/v1/me/keys', {
          body: { name: 'second', type: 'bearer', expiresIn: '1 day' },
        });
        expect(extra.status).toBe(201);
        expect((await alice.post(`/v1/me/keys/${other.keyId}/revoke`)).status).toBe(404);
        const revoked = await alice.post(`/v1/me/keys/${extra.body.keyId}/revoke`);
        expect(revoked.status).toBe(200);
        expect(revoked.body).toMatchObject({ id: extra.body.id, state: 'revoked' });
        const bad = await alice.post('/v1/me/keys/not-a-key/revoke');
        expect(bad.status).toBe(400);
        expect(bad.body.errors).toEqual([{ pointer: '#/id', detail: expect.any(String) }]);
      } finally {
        await admin.patch('/v1/admin/settings', { body: { allowSelfServiceKeys: false } });
      }
    });
  });

  describe('errors', () => {
    it.each(['90', 'days', '0 days', '-1 day', '1 fortnight', '1.5 days', 'forever', ''])(
      'refuses expiresIn %j with a 400 pointing at it',
      async (expiresIn) => {
        const reply = await post({ userId: bobId, expiresIn });
        expect(reply.status).toBe(400);
        expect(reply.body.type).toBe('urn:portcullis:problem:validation-error');
        expect(reply.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([
          '#/expiresIn',
        ]);
      },
    );

    it('refuses a lifetime beyond 100 years with a 400 pointing at expiresIn', async () => {
      const reply = await post({ userId: bobId, expiresIn: '101 years' });
      expect(reply.status).toBe(400);
      expect(reply.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['#/expiresIn']);
    });

    it('refuses a request without an owner, or with an unknown one', async () => {
      const none = await post({});
      expect(none.status).toBe(400);
      expect(none.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('#/userId');
      expect((await post({ userId: UNKNOWN_ID })).status).toBe(404);
      const nobody = await post({ username: 'nobody' });
      expect(nobody.status).toBe(404);
      expect(nobody.body.detail).toContain('nobody');
    });

    it('refuses an unknown type and unknown fields', async () => {
      const reply = await post({ userId: bobId, type: 'password', secret: 'x' });
      expect(reply.status).toBe(400);
      const pointers = reply.body.errors.map((e: { pointer: string }) => e.pointer).sort();
      expect(pointers).toEqual(['#/secret', '#/type']);
    });

    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      for (const bad of ['not-a-uuid', 'Xk3f9Qa', 'Xk3f9QaZ9', 'Xk3f9Qa%21']) {
        const reply = await admin.get(`/v1/admin/keys/${bad}`);
        expect({ bad, status: reply.status }).toEqual({ bad, status: 400 });
        expect(reply.headers.get('content-type')).toContain('application/problem+json');
        expect(reply.body.type).toBe('urn:portcullis:problem:validation-error');
        expect(reply.body.errors).toEqual([
          { pointer: '#/id', detail: expect.stringContaining('key id') },
        ]);
      }
      expect((await admin.post('/v1/admin/keys/not-a-uuid/revoke')).status).toBe(400);
      expect((await admin.get(`/v1/admin/keys/${UNKNOWN_ID}`)).status).toBe(404);
      expect((await admin.get('/v1/admin/keys?state=dormant')).status).toBe(400);
      expect((await admin.get('/v1/admin/keys?userId=alice')).status).toBe(400);
    });

    it('says that an owner filter names nobody, instead of listing every key', async () => {
      const reply = await admin.get('/v1/admin/keys?owner=nobody-at-all');
      expect(reply.status).toBe(404);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.detail).toBe('No user named "nobody-at-all"');
      expect(reply.body.errors).toEqual([{ pointer: '#/owner', detail: expect.any(String) }]);
      expect(reply.body).not.toHaveProperty('items');
    });

    it.each([
      ['owner=not%20a%20name!', '#/owner'],
      [`owner=alice&userId=${UNKNOWN_ID}`, '#/owner'],
      ['search=', '#/search'],
      [`search=${'x'.repeat(101)}`, '#/search'],
      ['search=a&search=b', '#/search'],
    ])('refuses the list filter %s with a 400 pointing at it', async (filter, pointer) => {
      const reply = await admin.get(`/v1/admin/keys?${filter}`);
      expect(reply.status).toBe(400);
      expect(reply.body.type).toBe('urn:portcullis:problem:validation-error');
      expect(reply.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([pointer]);
    });

    describe('with a maximum key lifetime', () => {
      beforeAll(async () => {
        const set = await admin.patch('/v1/admin/settings', {
          body: { maxKeyLifetime: '30 days' },
        });
        expect(set.status).toBe(200);
      });
      afterAll(async () => {
        await admin.patch('/v1/admin/settings', { body: { maxKeyLifetime: null } });
      });

      it.each(['never', '31 days', '5 weeks', '2 months', '1 year'])(
        'refuses expiresIn %j, naming the maximum',
        async (expiresIn) => {
          const before = (await admin.get(`/v1/admin/keys?userId=${bobId}`)).body.total;
          const reply = await post({ userId: bobId, expiresIn });
          expect(reply.status).toBe(400);
          expect(reply.headers.get('content-type')).toContain('application/problem+json');
          expect(reply.body.type).toBe('urn:portcullis:problem:key-lifetime-exceeded');
          expect(reply.body.detail).toContain('30 days');
          expect(reply.body.errors).toEqual([
            { pointer: '#/expiresIn', detail: expect.stringContaining('30 days') },
          ]);
          expect((await admin.get(`/v1/admin/keys?userId=${bobId}`)).body.total).toBe(before);
        },
      );

      it.each(['30 days', '29 days', '4 weeks', '1 hour'])(
        'accepts expiresIn %j',
        async (expiresIn) => {
          const reply = await post({ userId: bobId, expiresIn });
          expect(reply.status).toBe(201);
          expect(reply.body.key).toMatch(KEY_SHAPE);
          expect(Date.parse(reply.body.expiresAt as string)).toBeLessThanOrEqual(
            Date.now() + 30 * DAY,
          );
        },
      );

      it('allows "never" and long lifetimes again once the maximum is lifted', async () => {
        const lifted = await admin.patch('/v1/admin/settings', { body: { maxKeyLifetime: null } });
        expect(lifted.status).toBe(200);
        expect(lifted.body.maxKeyLifetime).toBeNull();
        const never = await post({ userId: bobId, expiresIn: 'never' });
        expect(never.status).toBe(201);
        expect(never.body.expiresAt).toBeNull();
        expect((await post({ userId: bobId, expiresIn: '100 years' })).status).toBe(201);
      });
    });
  });

  describe('security', () => {
    it('refuses callers without an admin key, and shows them no key', async () => {
      const key = await createKey(admin, { userId: bobId });
      const anonymous = client(service.url);
      const list = await anonymous.get('/v1/admin/keys');
      expect(list.status).toBe(401);
      expect(list.text).not.toContain(key.keyId);
      // A non-admin's own valid key does not open the admin API.
      const own = client(service.url, key.key);
      expect((await own.get(`/v1/admin/keys/${key.id}`)).status).toBe(403);
      expect((await own.post('/v1/admin/keys', { body: { userId: bobId } })).status).toBe(403);
    });
  });
});

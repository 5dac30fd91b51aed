import { jest } from '@jest/globals';
import {
  basicAuth,
  breakChecksum,
  createKey,
  createUser,
  logText,
  setKeyExpiry,
  type AdminClient,
  type CreatedKey,
} from '../support/decisions.js';
import { call, client, type Reply } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ADMINS = 'portcullis-admins';
const ANY_KEY = /pcl_[0-9A-Za-z]{44}/;
/** An admin endpoint that any admin may read. */
const PROTECTED = '/v1/admin/users';

/** GET the protected endpoint with this Authorization header value. */
function withAuthorization(service: TestApp, authorization: string): Promise<Reply> {
  return call(service.url, 'GET', PROTECTED, { headers: { authorization } });
}

function expectProblem(reply: Reply, status: number): void {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(reply.body).toMatchObject({ type: 'about:blank', status });
  expect(typeof reply.body.detail).toBe('string');
}

describe('Admin API authentication (security)', () => {
  let service: TestApp;
  let admin: AdminClient;
  /** Ada and Ben are admins, each with a bearer and a basic key. */
  let adaBearer: CreatedKey;
  let adaBasic: CreatedKey;
  let benBasic: CreatedKey;

  beforeAll(async () => {
    // Key use is written back only at shutdown here, so that no background write lands in the
    // window where a test counts database calls.
    service = await startTestApp({ env: { LAST_USED_FLUSH_SECONDS: '3600' } });
    admin = client(service.url, service.adminKey);
    const adaId = await createUser(admin, 'ada', { groups: [ADMINS] });
    await createUser(admin, 'ben', { groups: [ADMINS] });
    adaBearer = await createKey(admin, { userId: adaId });
    adaBasic = await createKey(admin, { userId: adaId }, { type: 'basic' });
    benBasic = await createKey(admin, { username: 'ben' }, { type: 'basic' });
  });
  afterAll(() => service.close());

  describe('happy path', () => {
    it('lets an admin in with a bearer key, or a basic key and their username', async () => {
      expect((await withAuthorization(service, `Bearer ${adaBearer.key}`)).status).toBe(200);
      expect((await withAuthorization(service, basicAuth('ada', adaBasic.key))).status).toBe(200);
    });

    it.each(['bearer', 'BEARER', 'BeArEr'])('accepts the scheme name %s', async (scheme) => {
      const reply = await withAuthorization(service, `${scheme} ${adaBearer.key}`);
      expect(reply.status).toBe(200);
    });

    it.each(['basic', 'BASIC'])('accepts the scheme name %s', async (scheme) => {
      const encoded = Buffer.from(`ada:${adaBasic.key}`).toString('base64');
      expect((await withAuthorization(service, `${scheme} ${encoded}`)).status).toBe(200);
    });

    it('takes the username of a basic key in any case', async () => {
      for (const username of ['ADA', 'Ada', 'aDa']) {
        const reply = await withAuthorization(service, basicAuth(username, adaBasic.key));
        expect(reply.status).toBe(200);
      }
    });
  });

  describe('errors', () => {
    it('refuses a request without a credential with a 401 problem and a challenge', async () => {
      const reply = await call(service.url, 'GET', PROTECTED);
      expectProblem(reply, 401);
      expect(reply.body.title).toBe('Unauthorized');
      const challenge = reply.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/Bearer realm=/);
      expect(challenge).toMatch(/Basic realm=/);
    });

    it('refuses a valid key of a user outside the admins group with 403', async () => {
      const userId = await createUser(admin, 'norma');
      const key = await createKey(admin, { userId });
      const reply = await withAuthorization(service, `Bearer ${key.key}`);
      expectProblem(reply, 403);
      expect(reply.body.detail).toContain(ADMINS);
    });

    it('refuses a revoked key with 401', async () => {
      const userId = await createUser(admin, 'rev', { groups: [ADMINS] });
      const key = await createKey(admin, { userId });
      expect((await withAuthorization(service, `Bearer ${key.key}`)).status).toBe(200);
      expect((await admin.post(`/v1/admin/keys/${key.id}/revoke`)).status).toBe(200);
      const reply = await withAuthorization(service, `Bearer ${key.key}`);
      expectProblem(reply, 401);
      expect(reply.body.detail).toMatch(/revoked/);
      expect(reply.headers.get('www-authenticate')).toContain('Bearer');
    });

    it('refuses an expired key with 401', async () => {
      const userId = await createUser(admin, 'exp', { groups: [ADMINS] });
      const key = await createKey(admin, { userId }, { expiresIn: '1 minute' });
      // Keys cannot be made to expire through the API; the stored expiry is moved into the past
      // before the key's first use (a record cached earlier would rightly keep its own expiry).
      await setKeyExpiry(service, key.id, new Date(Date.now() - 1000));
      const reply = await withAuthorization(service, `Bearer ${key.key}`);
      expectProblem(reply, 401);
      expect(reply.body.detail).toMatch(/expired/);
    });

    it('refuses the key of a disabled admin with 403, and lets them in again once enabled', async () => {
      const userId = await createUser(admin, 'dis', { groups: [ADMINS] });
      const key = await createKey(admin, { userId });
      expect((await withAuthorization(service, `Bearer ${key.key}`)).status).toBe(200);
      await admin.patch(`/v1/admin/users/${userId}`, { body: { disabled: true } });
      const reply = await withAuthorization(service, `Bearer ${key.key}`);
      expectProblem(reply, 403);
      expect(reply.body.detail).toMatch(/disabled/);
      await admin.patch(`/v1/admin/users/${userId}`, { body: { disabled: false } });
      expect((await withAuthorization(service, `Bearer ${key.key}`)).status).toBe(200);
    });

    it('refuses an unknown, well-formed key with 401', async () => {
      const deleted = await createKey(admin, { username: 'ada' });
      expect((await admin.delete(`/v1/admin/keys/${deleted.id}`)).status).toBe(204);
      const reply = await withAuthorization(service, `Bearer ${deleted.key}`);
      expectProblem(reply, 401);
    });
  });

  describe('security', () => {
    it('refuses a key with a broken checksum without asking the database', async () => {
      const dataSource = service.runtime.dataSource;
      const count = async (authorization: string) => {
        const query = jest.spyOn(dataSource, 'query');
        const runner = jest.spyOn(dataSource, 'createQueryRunner');
        try {
          const reply = await withAuthorization(service, authorization);
          return { reply, calls: query.mock.calls.length + runner.mock.calls.length };
        } finally {
          query.mockRestore();
          runner.mockRestore();
        }
      };

      // The spies see the lookups of a good key, so zero below means none happened.
      const good = await count(`Bearer ${adaBearer.key}`);
      expect(good.reply.status).toBe(200);
      expect(good.calls).toBeGreaterThan(0);

      const broken = breakChecksum(adaBearer.key);
      expect(broken).not.toBe(adaBearer.key);
      const bearer = await count(`Bearer ${broken}`);
      expectProblem(bearer.reply, 401);
      expect(bearer.reply.body.detail).toMatch(/not a well-formed/);
      expect(bearer.calls).toBe(0);

      const basic = await count(basicAuth('ada', breakChecksum(adaBasic.key)));
      expectProblem(basic.reply, 401);
      expect(basic.calls).toBe(0);
    });

    it('accepts a key only with its own scheme', async () => {
      const basicAsBearer = await withAuthorization(service, `Bearer ${adaBasic.key}`);
      expectProblem(basicAsBearer, 401);
      const bearerAsBasic = await withAuthorization(service, basicAuth('ada', adaBearer.key));
      expectProblem(bearerAsBasic, 401);
    });

    it('takes a key only from the Authorization header, never the URL or the body', async () => {
      // A key in the URL ends up in access logs, proxies and browser history.
      const inQuery = await call(
        service.url,
        'GET',
        `/v1/admin/settings?access_token=${adaBearer.key}`,
      );
      expectProblem(inQuery, 401);
      const inBody = await call(service.url, 'POST', '/v1/admin/groups', {
        body: { name: 'via-body', access_token: adaBearer.key },
      });
      expectProblem(inBody, 401);
      const groups = await admin.get('/v1/admin/groups?limit=500');
      expect(groups.text).not.toContain('via-body');
      // The same key in the header works.
      const inHeader = await call(service.url, 'GET', '/v1/admin/settings', {
        auth: adaBearer.key,
      });
      expect(inHeader.status).toBe(200);
    });

    it("refuses a basic key sent with another user's username", async () => {
      const reply = await withAuthorization(service, basicAuth('ben', adaBasic.key));
      expectProblem(reply, 401);
      expect((await withAuthorization(service, basicAuth('ada', benBasic.key))).status).toBe(401);
      // Each key works with its own owner's name.
      expect((await withAuthorization(service, basicAuth('ben', benBasic.key))).status).toBe(200);
    });

    it('shows a key only in the response that creates it, and never logs it', async () => {
      const responses: [string, Reply][] = [];
      const record = async (label: string, reply: Promise<Reply>) => {
        const settled = await reply;
        responses.push([label, settled]);
        return settled;
      };

      const user = await record(
        'create user',
        admin.post('/v1/admin/users', { body: { username: 'walker' } }),
      );
      expect(user.status).toBe(201);
      const created = await record(
        'create key',
        admin.post('/v1/admin/keys', {
          body: { userId: user.body.id, name: 'walk', type: 'bearer', expiresIn: '1 day' },
        }),
      );
      expect(created.status).toBe(201);
      const key = created.body.key as string;
      const id = created.body.id as string;
      expect(key).toMatch(/^pcl_[0-9A-Za-z]{44}$/);
      expect(created.text).toContain(key);

      const own = client(service.url, key);
      expect((await record('list', admin.get('/v1/admin/keys'))).status).toBe(200);
      expect((await record('get', admin.get(`/v1/admin/keys/${id}`))).status).toBe(200);
      expect((await record('get user', admin.get(`/v1/admin/users/${user.body.id}`))).status).toBe(
        200,
      );
      expect((await record('use as non-admin', own.get(PROTECTED))).status).toBe(403);
      expect((await record('revoke', admin.post(`/v1/admin/keys/${id}/revoke`))).status).toBe(200);
      expect((await record('use revoked', own.get(PROTECTED))).status).toBe(401);
      expect((await record('list after', admin.get('/v1/admin/keys'))).status).toBe(200);
      expect((await record('list revoked', admin.get('/v1/admin/keys?state=revoked'))).status).toBe(
        200,
      );
      expect((await record('get after', admin.get(`/v1/admin/keys/${id}`))).status).toBe(200);

      for (const [label, reply] of responses) {
        if (label === 'create key') continue;
        // The label shows in the failure message when a response leaks the key.
        expect({ label, leaked: reply.text.includes(key) }).toEqual({ label, leaked: false });
        expect({ label, anyKey: ANY_KEY.test(reply.text) }).toEqual({ label, anyKey: false });
      }
      // The key's public id is shown, so the search above looked at real key listings.
      expect(responses.find(([label]) => label === 'get after')![1].text).toContain(
        created.body.keyId,
      );

      const log = await logText(service);
      expect(log.length).toBeGreaterThan(0);
      expect(log).not.toContain(key);
      expect(log).not.toContain(service.adminKey);
      expect(log).not.toMatch(ANY_KEY);
    });
  });
});

import { generateKey } from '../../src/keys/key-format.js';
import {
  basicAuth,
  breakChecksum,
  createGroup,
  createKey,
  createUser,
  logText,
  setKeyExpiry,
  type AdminClient,
  type CreatedKey,
  type Reply,
} from '../support/decisions.js';
import { call, client } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const INTROSPECTORS = 'portcullis-introspectors';
const ISSUER = 'https://auth.example.test';
const INACTIVE = '{"active":false}';
const FORM = 'application/x-www-form-urlencoded';

describe('RFC 7662 token introspection (POST /oauth2/introspect)', () => {
  let service: TestApp;
  let admin: AdminClient;
  let clientId: string;
  let clientSecret: string;
  let introspector: CreatedKey;
  let outsider: CreatedKey;
  let noraId: string;
  let nora: CreatedKey;
  let noraExpiring: CreatedKey;
  let noraBasic: CreatedKey;

  /** One introspection call: a raw form body (or anything else), with the caller's credential. */
  const introspect = (
    body: string | URLSearchParams,
    authorization?: string,
    contentType = FORM,
  ): Promise<Reply> =>
    call(service.url, 'POST', '/oauth2/introspect', {
      raw: String(body),
      headers: {
        'content-type': contentType,
        ...(authorization !== undefined && { authorization }),
      },
    });
  const asClient = (body: string | URLSearchParams) =>
    introspect(body, basicAuth(clientId, clientSecret));
  const form = (fields: Record<string, string>) => new URLSearchParams(fields);

  const expectInactive = (reply: Reply) => {
    expect(reply.status).toBe(200);
    expect(reply.text).toBe(INACTIVE);
    expect(reply.headers.get('content-type')).toContain('application/json');
    expect(reply.headers.get('cache-control')).toBe('no-store');
  };
  const expectInvalidClient = (reply: Reply) => {
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ error: 'invalid_client' });
    expect(reply.body.active).toBeUndefined();
    expect(reply.headers.get('www-authenticate')).toMatch(/^Basic realm="portcullis"/);
    expect(reply.headers.get('cache-control')).toBe('no-store');
  };
  const expectInvalidRequest = (reply: Reply) => {
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toContain('application/json');
    expect(reply.body).toMatchObject({ error: 'invalid_request' });
    expect(reply.body.active).toBeUndefined();
    expect(reply.headers.get('cache-control')).toBe('no-store');
  };
  const activeAnswer = (key: CreatedKey, type: 'bearer' | 'basic' = 'bearer') => ({
    active: true,
    sub: noraId,
    username: 'nora',
    token_type: type,
    client_id: key.keyId,
    iat: Math.floor(Date.parse(key.createdAt) / 1000),
    iss: ISSUER,
    ...(key.expiresAt !== null && { exp: Math.floor(Date.parse(key.expiresAt) / 1000) }),
  });

  beforeAll(async () => {
    service = await startTestApp({ env: { PUBLIC_URL: ISSUER } });
    admin = client(service.url, service.adminKey);
    await createGroup(admin, INTROSPECTORS);
    await createUser(admin, 'resource-server', { groups: [INTROSPECTORS] });
    await createUser(admin, 'outsider');
    noraId = await createUser(admin, 'nora', { email: 'nora@example.com' });
    introspector = await createKey(admin, { username: 'resource-server' });
    outsider = await createKey(admin, { username: 'outsider' });
    nora = await createKey(admin, { userId: noraId });
    noraExpiring = await createKey(admin, { userId: noraId }, { expiresIn: '90 days' });
    noraBasic = await createKey(admin, { userId: noraId }, { type: 'basic' });
    const registered = await admin.post('/v1/admin/introspection-clients', {
      body: { name: 'API gateway', clientId: 'api-gateway' },
    });
    expect(registered.status).toBe(201);
    clientId = registered.body.clientId;
    clientSecret = registered.body.clientSecret;
  });
  afterAll(() => service.close());

  describe('callers', () => {
    it('refuses a caller without credentials with 401 invalid_client', async () => {
      expectInvalidClient(await introspect(form({ token: nora.key })));
    });

    it('shows a registered client’s secret once, never in the list', async () => {
      expect(clientId).toBe('api-gateway');
      expect(typeof clientSecret).toBe('string');
      expect(clientSecret.length).toBeGreaterThanOrEqual(32);
      const list = await admin.get('/v1/admin/introspection-clients');
      expect(list.status).toBe(200);
      const listed = (list.body.items as Record<string, unknown>[]).find(
        (c) => c.clientId === clientId,
      );
      expect(listed).toMatchObject({ clientId, name: 'API gateway' });
      expect(listed).not.toHaveProperty('clientSecret');
      expect(list.text).not.toContain(clientSecret);
    });

    it('generates a client id when none is given', async () => {
      const registered = await admin.post('/v1/admin/introspection-clients', {
        body: { name: 'generated' },
      });
      expect(registered.status).toBe(201);
      expect(registered.body.clientId).toMatch(/^[A-Za-z0-9._-]{3,64}$/);
      const reply = await introspect(
        form({ token: nora.key }),
        basicAuth(registered.body.clientId, registered.body.clientSecret),
      );
      expect(reply.status).toBe(200);
      expect(reply.body.active).toBe(true);
    });

    it('answers a registered client with the key’s claims', async () => {
      const reply = await asClient(form({ token: nora.key }));
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toContain('application/json');
      expect(reply.headers.get('cache-control')).toBe('no-store');
      expect(reply.body).toEqual(activeAnswer(nora));
      expect(reply.body).not.toHaveProperty('exp');
      expect(reply.text).not.toContain(nora.key);
    });

    it('gives exp for a key that expires', async () => {
      const reply = await asClient(form({ token: noraExpiring.key }));
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(activeAnswer(noraExpiring));
      expect(Number.isInteger(reply.body.exp)).toBe(true);
      expect(reply.body.exp).toBeGreaterThan(Date.now() / 1000 + 89 * 86_400);
    });

    it('refuses a wrong secret and an unknown client with 401', async () => {
      expectInvalidClient(
        await introspect(form({ token: nora.key }), basicAuth(clientId, `${clientSecret}x`)),
      );
      expectInvalidClient(
        await introspect(form({ token: nora.key }), basicAuth('no-such-client', clientSecret)),
      );
    });

    it('refuses a deleted client with 401', async () => {
      const registered = await admin.post('/v1/admin/introspection-clients', {
        body: { name: 'short-lived', clientId: 'short-lived' },
      });
      const auth = basicAuth('short-lived', registered.body.clientSecret);
      expect((await introspect(form({ token: nora.key }), auth)).body.active).toBe(true);
      const deleted = await admin.delete(`/v1/admin/introspection-clients/${registered.body.id}`);
      expect(deleted.status).toBe(204);
      expectInvalidClient(await introspect(form({ token: nora.key }), auth));
    });

    it('answers a member of the introspectors group who sends their key as Bearer', async () => {
      const reply = await introspect(form({ token: nora.key }), `Bearer ${introspector.key}`);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(activeAnswer(nora));
    });

    it('answers an introspector who sends a basic key as Basic, and an admin', async () => {
      const key = await createKey(admin, { username: 'resource-server' }, { type: 'basic' });
      const reply = await introspect(
        form({ token: nora.key }),
        basicAuth('resource-server', key.key),
      );
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(activeAnswer(nora));
      const asAdmin = await introspect(form({ token: nora.key }), `Bearer ${service.adminKey}`);
      expect(asAdmin.status).toBe(200);
      expect(asAdmin.body.active).toBe(true);
    });

    it('refuses the key of a user outside the introspectors group with 401', async () => {
      expectInvalidClient(await introspect(form({ token: nora.key }), `Bearer ${outsider.key}`));
      expectInvalidClient(
        await introspect(form({ token: nora.key }), `Bearer ${generateKey().plaintext}`),
      );
    });

    it('refuses an introspector whose key is revoked', async () => {
      const key = await createKey(admin, { username: 'resource-server' });
      expect((await introspect(form({ token: nora.key }), `Bearer ${key.key}`)).status).toBe(200);
      await admin.post(`/v1/admin/keys/${key.id}/revoke`);
      expectInvalidClient(await introspect(form({ token: nora.key }), `Bearer ${key.key}`));
    });

    it('never logs the client secret', async () => {
      expect(await logText(service)).not.toContain(clientSecret);
    });
  });

  describe('inactive tokens', () => {
    it('answers exactly {"active":false} for a revoked key, right after it was active', async () => {
      const key = await createKey(admin, { userId: noraId });
      expect((await asClient(form({ token: key.key }))).body.active).toBe(true);
      await admin.post(`/v1/admin/keys/${key.id}/revoke`);
      expectInactive(await asClient(form({ token: key.key })));
    });

    it('answers exactly {"active":false} for an expired key', async () => {
      const key = await createKey(admin, { userId: noraId }, { expiresIn: '1 day' });
      await setKeyExpiry(service, key.id, new Date(Date.now() - 1000));
      expectInactive(await asClient(form({ token: key.key })));
    });

    it('answers exactly {"active":false} for unknown and malformed tokens', async () => {
      for (const token of [
        generateKey().plaintext,
        breakChecksum(nora.key),
        'pcl_short',
        'not-a-portcullis-key',
        `pcl_${'a'.repeat(600)}`,
        `Bearer ${nora.key}`,
      ]) {
        expectInactive(await asClient(form({ token })));
      }
    });

    it('answers exactly {"active":false} for the key of a disabled user', async () => {
      const userId = await createUser(admin, 'olga');
      const key = await createKey(admin, { userId });
      expect((await asClient(form({ token: key.key }))).body.active).toBe(true);
      await admin.patch(`/v1/admin/users/${userId}`, { body: { disabled: true } });
      expectInactive(await asClient(form({ token: key.key })));
    });
  });

  describe('requests', () => {
    it('gives the same answer whatever token_type_hint says', async () => {
      const unknown = generateKey().plaintext;
      for (const hint of ['access_token', 'refresh_token', 'bogus', '']) {
        const active = await asClient(form({ token: nora.key, token_type_hint: hint }));
        expect([hint, active.status, active.body]).toEqual([hint, 200, activeAnswer(nora)]);
        expectInactive(await asClient(form({ token: unknown, token_type_hint: hint })));
      }
    });

    it('answers a basic-type key as active (its type does not matter here)', async () => {
      const reply = await asClient(form({ token: noraBasic.key }));
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual(activeAnswer(noraBasic, 'basic'));
    });

    it('refuses a request without a token with 400 invalid_request', async () => {
      expectInvalidRequest(await asClient(''));
      expectInvalidRequest(await asClient(form({ token_type_hint: 'access_token' })));
      expectInvalidRequest(await asClient(form({ token: '' })));
    });

    it('refuses two token fields with 400 invalid_request', async () => {
      expectInvalidRequest(
        await asClient(
          `token=${encodeURIComponent(nora.key)}&token=${encodeURIComponent(nora.key)}`,
        ),
      );
    });

    it('refuses a JSON body with 400 invalid_request', async () => {
      expectInvalidRequest(
        await introspect(
          JSON.stringify({ token: nora.key }),
          basicAuth(clientId, clientSecret),
          'application/json',
        ),
      );
    });

    it('checks the caller before reading the request', async () => {
      expectInvalidClient(await introspect(''));
      expectInvalidClient(await introspect(`token=a&token=b`));
      expectInvalidClient(await introspect('{}', undefined, 'application/json'));
    });
  });
});

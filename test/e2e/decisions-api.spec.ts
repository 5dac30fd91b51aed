import { generateKey } from '../../src/keys/key-format.js';
import {
  basicAuth,
  breakChecksum,
  createGroup,
  createKey,
  createUser,
  decisionLines,
  uniquePath,
  type AdminClient,
  type CreatedKey,
} from '../support/decisions.js';
import { call, client } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const DECISION_CLIENTS = 'portcullis-decision-clients';

function pointers(body: { errors?: { pointer: string }[] }): string[] {
  return (body.errors ?? []).map((e) => e.pointer).sort();
}

describe('JSON decision API (POST /v1/decisions)', () => {
  let service: TestApp;
  let admin: AdminClient;
  let caller: CreatedKey;
  let outsider: CreatedKey;
  let kim: CreatedKey;
  let kimBasic: CreatedKey;
  let kimId: string;
  let decide: ReturnType<typeof client>['post'];

  beforeAll(async () => {
    service = await startTestApp();
    admin = client(service.url, service.adminKey);
    await createGroup(admin, DECISION_CLIENTS);
    await createGroup(admin, 'developers');
    await createUser(admin, 'gatekeeper', { groups: [DECISION_CLIENTS] });
    await createUser(admin, 'outsider', { groups: ['developers'] });
    kimId = await createUser(admin, 'kim', {
      email: 'kim@example.com',
      displayName: 'Kim K',
      groups: ['developers'],
    });
    caller = await createKey(admin, { username: 'gatekeeper' });
    outsider = await createKey(admin, { username: 'outsider' });
    kim = await createKey(admin, { userId: kimId }, { expiresIn: '90 days' });
    kimBasic = await createKey(admin, { userId: kimId }, { type: 'basic' });
    decide = client(service.url, caller.key).post;
  });
  afterAll(() => service.close());

  describe('callers', () => {
    it('refuses a caller without a key with a 401 problem', async () => {
      const reply = await call(service.url, 'POST', '/v1/decisions', {
        body: { credential: kim.key },
      });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body).toMatchObject({ status: 401, title: 'Unauthorized' });
      expect(reply.headers.get('www-authenticate')).toContain('Bearer');
    });

    it('refuses a caller with an unknown key with a 401 problem', async () => {
      const reply = await call(service.url, 'POST', '/v1/decisions', {
        auth: generateKey().plaintext,
        body: { credential: kim.key },
      });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    });

    it('refuses a caller outside the decision clients group with a 403 problem', async () => {
      const reply = await call(service.url, 'POST', '/v1/decisions', {
        auth: outsider.key,
        body: { credential: kim.key },
      });
      expect(reply.status).toBe(403);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.detail).toContain(DECISION_CLIENTS);
      expect(reply.body.allowed).toBeUndefined();
    });

    it('answers members of the decision clients group, and admins', async () => {
      const member = await decide('/v1/decisions', { body: { credential: kim.key } });
      expect(member.status).toBe(200);
      expect(member.body.allowed).toBe(true);
      const asAdmin = await admin.post('/v1/decisions', { body: { credential: kim.key } });
      expect(asAdmin.status).toBe(200);
      expect(asAdmin.body.allowed).toBe(true);
    });

    it('lets a user in once added to the group', async () => {
      const userId = await createUser(admin, 'newcomer');
      const key = await createKey(admin, { userId });
      const before = await call(service.url, 'POST', '/v1/decisions', {
        auth: key.key,
        body: { credential: kim.key },
      });
      expect(before.status).toBe(403);
      const groups = (await admin.get('/v1/admin/groups')).body.items as {
        id: string;
        name: string;
      }[];
      const groupId = groups.find((g) => g.name === DECISION_CLIENTS)!.id;
      expect((await admin.put(`/v1/admin/groups/${groupId}/members/${userId}`)).status).toBe(204);
      const after = await call(service.url, 'POST', '/v1/decisions', {
        auth: key.key,
        body: { credential: kim.key },
      });
      expect(after.status).toBe(200);
    });
  });

  describe('decisions', () => {
    it('decides on a bare credential', async () => {
      const reply = await decide('/v1/decisions', { body: { credential: kim.key } });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toContain('application/json');
      expect(reply.body).toEqual({
        allowed: true,
        status: 200,
        reason: 'authenticated',
        verifier: 'api-key-bearer',
        rule: 'default',
        identity: {
          userId: kimId,
          username: 'kim',
          email: 'kim@example.com',
          displayName: 'Kim K',
          groups: ['developers'],
          credential: { kind: 'api_key', keyId: kim.keyId, type: 'bearer' },
          expiresAt: kim.expiresAt,
        },
        headers: {
          'x-auth-user': 'kim',
          'x-auth-email': 'kim@example.com',
          'x-auth-groups': 'developers',
          'x-auth-credential': kim.keyId,
        },
        wwwAuthenticate: null,
      });
      expect(reply.text).not.toContain(kim.key);
    });

    it('decides on a described request, and logs it as such', async () => {
      const path = uniquePath('json-orders');
      const reply = await decide('/v1/decisions', {
        body: {
          method: 'delete',
          path: `${path}?expand=items`,
          host: 'API.example.com',
          ip: '198.51.100.23',
          headers: { Authorization: `Bearer ${kim.key}`, 'X-Other': 'x' },
        },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        allowed: true,
        status: 200,
        reason: 'authenticated',
        verifier: 'api-key-bearer',
        identity: { username: 'kim', credential: { keyId: kim.keyId } },
        headers: { 'x-auth-user': 'kim', 'x-auth-credential': kim.keyId },
      });
      const [line] = await decisionLines(service, path);
      expect(line).toMatchObject({
        interface: 'json',
        method: 'DELETE',
        host: 'api.example.com',
        clientIp: '198.51.100.23',
        granted: true,
        credentialId: kim.keyId,
      });
    });

    it('refuses a described host that is not plainly a host name (invalid_host)', async () => {
      for (const host of ['admin%2eexample.com', 'other@admin.example.com', 'a.example.com, b']) {
        const reply = await decide('/v1/decisions', {
          body: { path: '/orders', host, headers: { authorization: `Bearer ${kim.key}` } },
        });
        expect({ host, status: reply.status, body: reply.body }).toMatchObject({
          host,
          status: 200,
          body: { allowed: false, status: 403, reason: 'invalid_host', identity: null },
        });
      }
    });

    it("logs the described request's id, else the call's own (echoed in X-Request-Id)", async () => {
      const path = uniquePath('json-request-id');
      await decide('/v1/decisions', {
        body: { path, headers: { authorization: `Bearer ${kim.key}`, 'x-request-id': 'edge-1' } },
      });
      const own = await decide('/v1/decisions', {
        body: { path, headers: { authorization: `Bearer ${kim.key}` } },
      });
      const echoed = own.headers.get('x-request-id');
      expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
      const lines = await decisionLines(service, path);
      expect(lines.map((line) => line.requestId)).toEqual(['edge-1', echoed]);
    });

    it('decides on a basic key in headers.authorization', async () => {
      const reply = await decide('/v1/decisions', {
        body: { headers: { authorization: basicAuth('kim', kimBasic.key) } },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        allowed: true,
        verifier: 'api-key-basic',
        identity: { username: 'kim', credential: { keyId: kimBasic.keyId, type: 'basic' } },
      });
    });

    it('names the headers after the configured style', async () => {
      await admin.patch('/v1/admin/settings', { body: { identityHeaderStyle: 'kong' } });
      try {
        const reply = await decide('/v1/decisions', { body: { credential: kim.key } });
        expect(reply.body.headers).toEqual({
          'x-consumer-username': 'kim',
          'x-consumer-groups': 'developers',
          'x-credential-identifier': kim.keyId,
        });
      } finally {
        await admin.patch('/v1/admin/settings', { body: { identityHeaderStyle: 'x-auth' } });
      }
    });

    it.each([
      ['an unknown key', () => ({ credential: generateKey().plaintext }), 401, 'unknown_key'],
      [
        'a key with a broken checksum',
        () => ({ credential: breakChecksum(kim.key) }),
        401,
        'malformed_credential',
      ],
      [
        'a bearer key sent as Basic',
        () => ({ headers: { authorization: basicAuth('kim', kim.key) } }),
        401,
        'wrong_key_type',
      ],
      ['no credential at all', () => ({ path: '/x' }), 401, 'missing_credential'],
      ['a malformed credential', () => ({ credential: 'a b' }), 401, 'malformed_credential'],
    ] as [string, () => object, number, string?][])(
      'answers 200 with allowed false for %s',
      async (_label, body, status, reason) => {
        const reply = await decide('/v1/decisions', { body: body() });
        expect(reply.status).toBe(200);
        expect(reply.body).toMatchObject({ allowed: false, status, identity: null, headers: {} });
        if (reason !== undefined) expect(reply.body.reason).toBe(reason);
      },
    );

    it('refuses a revoked key, and a disabled user’s key, right after allowing them', async () => {
      const userId = await createUser(admin, 'lee');
      const first = await createKey(admin, { userId });
      const second = await createKey(admin, { userId });
      expect(
        (await decide('/v1/decisions', { body: { credential: first.key } })).body.allowed,
      ).toBe(true);
      await admin.post(`/v1/admin/keys/${first.id}/revoke`);
      const revoked = await decide('/v1/decisions', { body: { credential: first.key } });
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ allowed: false, status: 401, reason: 'revoked_key' });

      expect(
        (await decide('/v1/decisions', { body: { credential: second.key } })).body.allowed,
      ).toBe(true);
      await admin.patch(`/v1/admin/users/${userId}`, { body: { disabled: true } });
      const disabled = await decide('/v1/decisions', { body: { credential: second.key } });
      expect(disabled.status).toBe(200);
      expect(disabled.body).toMatchObject({ allowed: false, status: 403, reason: 'user_disabled' });
    });
  });

  describe('invalid bodies', () => {
    it('refuses both credential and headers.authorization', async () => {
      for (const name of ['authorization', 'Authorization']) {
        const reply = await decide('/v1/decisions', {
          body: { credential: kim.key, headers: { [name]: `Bearer ${kim.key}` } },
        });
        expect(reply.status).toBe(400);
        expect(reply.headers.get('content-type')).toContain('application/problem+json');
        expect(pointers(reply.body)).toEqual(['#/credential']);
      }
    });

    it.each([
      ['an ip that is not an address', { ip: 'x' }, ['#/ip']],
      ['a method that is not one', { method: '1' }, ['#/method']],
      ['a path without a leading slash', { path: 'no-slash' }, ['#/path']],
      ['a header with a non-string value', { headers: { authorization: 5 } }, ['#/headers']],
      ['a header map that is a list', { headers: ['a'] }, ['#/headers']],
      ['an unknown field', { token: 'x' }, ['#/token']],
      ['a credential that is not a string', { credential: 42 }, ['#/credential']],
      [
        'several invalid fields',
        { ip: 'x', method: '1', path: 'no-slash' },
        ['#/ip', '#/method', '#/path'],
      ],
    ])('refuses %s with 400 and a pointer', async (_label, body, expected) => {
      const reply = await decide('/v1/decisions', { body: { credential: kim.key, ...body } });
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.type).toBe('urn:portcullis:problem:validation-error');
      expect(pointers(reply.body)).toEqual(expected);
    });

    it('refuses a body that is not JSON', async () => {
      const reply = await decide('/v1/decisions', {
        raw: '{"credential":',
        headers: { 'content-type': 'application/json' },
      });
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    });
  });
});

describe('JSON decision API with the database gone', () => {
  let service: TestApp;
  let caller: CreatedKey;
  let uncached: CreatedKey;

  beforeAll(async () => {
    service = await startTestApp();
    const admin = client(service.url, service.adminKey);
    await createGroup(admin, DECISION_CLIENTS);
    await createUser(admin, 'gate', { groups: [DECISION_CLIENTS] });
    await createUser(admin, 'mia');
    caller = await createKey(admin, { username: 'gate' });
    uncached = await createKey(admin, { username: 'mia' });
    // The caller has used its key once before the database goes.
    const warm = await call(service.url, 'POST', '/v1/decisions', {
      auth: caller.key,
      body: { path: '/' },
    });
    expect(warm.status).toBe(200);
    await service.runtime.dataSource.destroy();
  });
  afterAll(() => service.close());

  it('never allows a credential it cannot look up', async () => {
    const reply = await call(service.url, 'POST', '/v1/decisions', {
      auth: caller.key,
      body: { credential: uncached.key },
    });
    expect(reply.status).not.toBe(200);
    expect(reply.body.allowed).not.toBe(true);
    expect(reply.text).not.toContain(uncached.key);
  });

  it('answers 503 with reason unavailable for a credential it cannot look up', async () => {
    const reply = await call(service.url, 'POST', '/v1/decisions', {
      auth: caller.key,
      body: { credential: uncached.key },
    });
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ allowed: false, status: 503, reason: 'unavailable' });
  });

  it('answers a caller whose own key it cannot check with a 503 problem, not a 500', async () => {
    const reply = await call(service.url, 'POST', '/v1/decisions', {
      auth: uncached.key,
      body: { credential: caller.key },
    });
    expect(reply.status).toBe(503);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
  });
});

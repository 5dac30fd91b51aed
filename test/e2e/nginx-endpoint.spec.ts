import { jest } from '@jest/globals';
import { generateKey } from '../../src/keys/key-format.js';
import {
  basicAuth,
  breakChecksum,
  createGroup,
  createKey,
  createUser,
  decisionLines,
  eventually,
  logText,
  nginxCheck,
  rawRequest,
  setKeyExpiry,
  uniquePath,
  type AdminClient,
  type CreatedKey,
  type Reply,
} from '../support/decisions.js';
import { client } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// nginx auth_request turns any status other than 2xx, 401 and 403 into a 500.
const NGINX_STATUSES = [200, 401, 403];
/** An nginx answer's status and X-Auth-Reason (none on a 200). */
type Answer = [status: number, reason: string | null];
const OK: Answer = [200, null];

describe('nginx auth_request endpoint (/v1/authz/nginx)', () => {
  let service: TestApp;
  let admin: AdminClient;
  let alice: CreatedKey;
  let aliceBasic: CreatedKey;
  let bob: CreatedKey;
  let developersId: string;
  let opsId: string;
  /** Every status this file got from the nginx endpoint. */
  const seen: number[] = [];

  const check = async (options: Parameters<typeof nginxCheck>[1] = {}): Promise<Reply> => {
    const reply = await nginxCheck(service.url, options);
    seen.push(reply.status);
    return reply;
  };
  const bearer = (key: string) => `Bearer ${key}`;

  beforeAll(async () => {
    service = await startTestApp({ env: { LAST_USED_FLUSH_SECONDS: '1' } });
    admin = client(service.url, service.adminKey);
    developersId = await createGroup(admin, 'developers');
    opsId = await createGroup(admin, 'ops');
    await createUser(admin, 'alice', {
      email: 'alice@example.com',
      displayName: 'Alice Liddell',
      groups: ['developers', 'ops'],
    });
    await createUser(admin, 'bob');
    alice = await createKey(admin, { username: 'alice' });
    aliceBasic = await createKey(admin, { username: 'alice' }, { type: 'basic' });
    bob = await createKey(admin, { username: 'bob' });
  });
  afterAll(() => service.close());

  describe('allowing', () => {
    it('answers 200 with the identity headers for a valid bearer key', async () => {
      const reply = await check({ authorization: bearer(alice.key) });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-auth-user')).toBe('alice');
      expect(reply.headers.get('x-auth-email')).toBe('alice@example.com');
      expect(reply.headers.get('x-auth-groups')).toBe('developers,ops');
      expect(reply.headers.get('x-auth-credential')).toBe(alice.keyId);
      expect(alice.key.slice(4, 12)).toBe(alice.keyId);
      expect(reply.headers.get('x-auth-reason')).toBeNull();
      expect(reply.headers.get('www-authenticate')).toBeNull();
    });

    it('leaves out the headers of values the user does not have', async () => {
      const reply = await check({ authorization: bearer(bob.key) });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-auth-user')).toBe('bob');
      expect(reply.headers.get('x-auth-credential')).toBe(bob.keyId);
      expect(reply.headers.get('x-auth-email')).toBeNull();
      expect(reply.headers.get('x-auth-groups')).toBeNull();
    });

    it.each([
      [
        'oauth2-proxy',
        {
          'x-auth-request-user': 'alice',
          'x-auth-request-email': 'alice@example.com',
          'x-auth-request-groups': 'developers,ops',
        },
      ],
      [
        'authelia',
        {
          'remote-user': 'alice',
          'remote-email': 'alice@example.com',
          'remote-groups': 'developers,ops',
          'remote-name': 'Alice Liddell',
        },
      ],
      [
        'kong',
        {
          'x-consumer-username': 'alice',
          'x-consumer-groups': 'developers,ops',
          'x-credential-identifier': 'KEY_ID',
        },
      ],
    ])('names the identity headers after the %s style', async (style, expected) => {
      const changed = await admin.patch('/v1/admin/settings', {
        body: { identityHeaderStyle: style },
      });
      expect(changed.status).toBe(200);
      try {
        const reply = await check({ authorization: bearer(alice.key) });
        expect(reply.status).toBe(200);
        for (const [name, value] of Object.entries(expected)) {
          expect([name, reply.headers.get(name)]).toEqual([
            name,
            value === 'KEY_ID' ? alice.keyId : value,
          ]);
        }
        for (const name of ['x-auth-user', 'x-auth-email', 'x-auth-groups', 'x-auth-credential']) {
          expect([name, reply.headers.get(name)]).toEqual([name, null]);
        }
      } finally {
        await admin.patch('/v1/admin/settings', { body: { identityHeaderStyle: 'x-auth' } });
      }
      const back = await check({ authorization: bearer(alice.key) });
      expect(back.headers.get('x-auth-user')).toBe('alice');
    });

    it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'])(
      'accepts the auth call made with %s',
      async (method) => {
        const allowed = await check({ via: method, authorization: bearer(alice.key) });
        expect(allowed.status).toBe(200);
        expect(allowed.headers.get('x-auth-user')).toBe('alice');
        const refused = await check({ via: method });
        expect(refused.status).toBe(401);
        expect(refused.headers.get('x-auth-reason')).toBe('missing_credential');
      },
    );

    it('decides on the original method and path, whatever they are', async () => {
      for (const method of ['GET', 'POST', 'DELETE', 'PROPFIND']) {
        const reply = await check({ method, uri: '/a/b?c=d', authorization: bearer(alice.key) });
        expect(reply.status).toBe(200);
      }
    });

    it('allows a basic key sent as Basic with its owner’s username', async () => {
      const reply = await check({ authorization: basicAuth('alice', aliceBasic.key) });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-auth-user')).toBe('alice');
      expect(reply.headers.get('x-auth-credential')).toBe(aliceBasic.keyId);
    });

    it('reads the scheme name case-insensitively', async () => {
      const lower = await check({ authorization: `bearer ${alice.key}` });
      expect(lower.status).toBe(200);
      expect(lower.headers.get('x-auth-user')).toBe('alice');
      const upper = await check({
        authorization: basicAuth('alice', aliceBasic.key).replace('Basic', 'BASIC'),
      });
      expect(upper.status).toBe(200);
      expect(upper.headers.get('x-auth-credential')).toBe(aliceBasic.keyId);
    });

    it('refuses a basic key sent with another user’s username', async () => {
      const reply = await check({ authorization: basicAuth('bob', aliceBasic.key) });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('x-auth-reason')).toBe('username_mismatch');
      expect(reply.headers.get('www-authenticate')).toContain('Basic realm="portcullis"');
      expect(reply.headers.get('x-auth-user')).toBeNull();
    });

    it('refuses a bearer key sent as Basic, and a basic key sent as Bearer', async () => {
      const asBasic = await check({ authorization: basicAuth('alice', alice.key) });
      expect(asBasic.status).toBe(401);
      expect(asBasic.headers.get('x-auth-reason')).toBe('wrong_key_type');
      expect(asBasic.headers.get('x-auth-user')).toBeNull();
      const asBearer = await check({ authorization: bearer(aliceBasic.key) });
      expect(asBearer.status).toBe(401);
      expect(asBearer.headers.get('x-auth-reason')).toBe('wrong_key_type');
      expect(asBearer.headers.get('x-auth-user')).toBeNull();
    });
  });

  describe('refusing', () => {
    it('challenges a request without a credential with both schemes', async () => {
      const reply = await check();
      expect(reply.status).toBe(401);
      const challenge = reply.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain('Bearer realm="portcullis"');
      expect(challenge).toContain('Basic realm="portcullis"');
      expect(challenge).not.toContain('error=');
      expect(reply.headers.get('x-auth-reason')).toBe('missing_credential');
      expect(reply.headers.get('x-auth-user')).toBeNull();
    });

    it('answers a malformed Authorization header with 401 invalid_request', async () => {
      const reply = await check({ authorization: 'Bearer a b' });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toContain('error="invalid_request"');
      expect(reply.headers.get('x-auth-reason')).toBe('malformed_credential');
    });

    it('refuses a key with a broken checksum as malformed', async () => {
      const reply = await check({ authorization: bearer(breakChecksum(alice.key)) });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('x-auth-reason')).toBe('malformed_credential');
      expect(reply.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('refuses a well-formed key that does not exist as unknown_key', async () => {
      const reply = await check({ authorization: bearer(generateKey().plaintext) });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('x-auth-reason')).toBe('unknown_key');
      expect(reply.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('refuses a revoked key at once, even right after allowing (and caching) it', async () => {
      const key = await createKey(admin, { username: 'bob' });
      expect((await check({ authorization: bearer(key.key) })).status).toBe(200);
      expect((await check({ authorization: bearer(key.key) })).status).toBe(200);
      const revoked = await admin.post(`/v1/admin/keys/${key.id}/revoke`);
      expect(revoked.status).toBe(200);
      const reply = await check({ authorization: bearer(key.key) });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('x-auth-reason')).toBe('revoked_key');
      expect(reply.headers.get('x-auth-user')).toBeNull();
    });

    it('refuses the key of a disabled user with 403 at once, even right after allowing it', async () => {
      const userId = await createUser(admin, 'carol');
      const key = await createKey(admin, { userId });
      expect((await check({ authorization: bearer(key.key) })).status).toBe(200);
      const disabled = await admin.patch(`/v1/admin/users/${userId}`, {
        body: { disabled: true },
      });
      expect(disabled.status).toBe(200);
      const reply = await check({ authorization: bearer(key.key) });
      expect(reply.status).toBe(403);
      expect(reply.headers.get('x-auth-reason')).toBe('user_disabled');
      expect(reply.headers.get('www-authenticate')).toBeNull();
      expect(reply.headers.get('x-auth-user')).toBeNull();
    });

    it('sends the new groups on the next call after a user leaves a group', async () => {
      const userId = await createUser(admin, 'dave', { groups: ['developers', 'ops'] });
      const key = await createKey(admin, { userId });
      const before = await check({ authorization: bearer(key.key) });
      expect(before.headers.get('x-auth-groups')).toBe('developers,ops');
      const removed = await admin.delete(`/v1/admin/groups/${opsId}/members/${userId}`);
      expect(removed.status).toBe(204);
      const after = await check({ authorization: bearer(key.key) });
      expect(after.status).toBe(200);
      expect(after.headers.get('x-auth-groups')).toBe('developers');
      await admin.delete(`/v1/admin/groups/${developersId}/members/${userId}`);
      const none = await check({ authorization: bearer(key.key) });
      expect(none.status).toBe(200);
      expect(none.headers.get('x-auth-groups')).toBeNull();
    });

    it('refuses an expired key as expired_key', async () => {
      const key = await createKey(admin, { username: 'bob' }, { expiresIn: '90 days' });
      await setKeyExpiry(service, key.id, new Date(Date.now() - 60_000));
      const reply = await check({ authorization: bearer(key.key) });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('x-auth-reason')).toBe('expired_key');
    });

    it('refuses a key that expires while it is cached', async () => {
      const key = await createKey(admin, { username: 'bob' }, { expiresIn: '90 days' });
      // Long enough for its first use to come before the expiry on a busy machine.
      const expiry = Date.now() + 800;
      await setKeyExpiry(service, key.id, new Date(expiry));
      // Its first use caches it, before it expires.
      expect((await check({ authorization: bearer(key.key) })).status).toBe(200);
      expect(Date.now()).toBeLessThan(expiry);
      // Then asked again and again until refused: passed before the expiry, refused after it.
      const answers: { sentAt: number; answeredAt: number; answer: Answer }[] = [];
      await eventually(
        5000,
        async () => {
          const sentAt = Date.now();
          const reply = await check({ authorization: bearer(key.key) });
          const answer: Answer = [reply.status, reply.headers.get('x-auth-reason')];
          answers.push({ sentAt, answeredAt: Date.now(), answer });
          return reply.status !== 200;
        },
        20,
      );
      expect(answers.at(-1)!.answer).toEqual([401, 'expired_key']);
      expect(answers.filter((a) => a.answeredAt < expiry && a.answer[0] !== 200)).toEqual([]);
      expect(answers.filter((a) => a.sentAt > expiry && a.answer[0] === 200)).toEqual([]);
    });

    it('refuses two Authorization headers, even when each would be allowed', async () => {
      for (const pair of [
        [bearer(alice.key), bearer(bob.key)],
        [bearer(alice.key), bearer(alice.key)],
        [bearer(alice.key), basicAuth('alice', aliceBasic.key)],
      ]) {
        const reply = await rawRequest(service.url, 'GET', '/v1/authz/nginx', {
          'x-original-uri': '/orders',
          'x-original-method': 'GET',
          authorization: pair,
        });
        seen.push(reply.status);
        expect(reply.status).toBe(401);
        expect(reply.headers['x-auth-reason']).toBe('malformed_credential');
        expect(reply.headers['x-auth-user']).toBeUndefined();
      }
    });
  });

  describe('operation', () => {
    it('looks a flood of the same unknown key up in the database once', async () => {
      const unknown = generateKey().plaintext;
      const spy = jest.spyOn(service.runtime.dataSource, 'query');
      try {
        for (let i = 0; i < 20; i++) {
          const reply = await check({ authorization: bearer(unknown) });
          expect(reply.status).toBe(401);
          expect(reply.headers.get('x-auth-reason')).toBe('unknown_key');
        }
        // The last-used writer runs every second in this service; it is not a lookup.
        const lookups = spy.mock.calls.filter(([sql]) => !String(sql).includes('SET last_used_at'));
        // The first request has to ask the database (which shows the spy sees lookups); no other may.
        expect(lookups).toHaveLength(1);
      } finally {
        spy.mockRestore();
      }
    });

    it('records when a key was last used', async () => {
      const key = await createKey(admin, { username: 'bob' });
      expect((await admin.get(`/v1/admin/keys/${key.id}`)).body.lastUsedAt).toBeNull();
      expect((await check({ authorization: bearer(key.key) })).status).toBe(200);
      let lastUsedAt: unknown = null;
      await eventually(3000, async () => {
        lastUsedAt = (await admin.get(`/v1/admin/keys/${key.id}`)).body.lastUsedAt;
        return lastUsedAt !== null;
      });
      expect(Date.parse(String(lastUsedAt))).toBeGreaterThan(Date.now() - 10_000);
    });

    it('logs each decision without the key', async () => {
      const allowedPath = uniquePath('logged-allow');
      const refusedPath = uniquePath('logged-refusal');
      const unknown = generateKey().plaintext;
      expect(
        (await check({ uri: `${allowedPath}?q=1`, authorization: bearer(alice.key) })).status,
      ).toBe(200);
      expect((await check({ uri: refusedPath, authorization: bearer(unknown) })).status).toBe(401);

      const [allowed] = await decisionLines(service, allowedPath);
      expect(allowed).toMatchObject({
        msg: 'decision',
        granted: true,
        reason: 'authenticated',
        verifier: 'api-key-bearer',
        interface: 'nginx',
        method: 'GET',
        user: 'alice',
        credentialId: alice.keyId,
      });
      const [refused] = await decisionLines(service, refusedPath);
      expect(refused).toMatchObject({
        msg: 'decision',
        granted: false,
        reason: 'unknown_key',
        verifier: 'api-key-bearer',
        interface: 'nginx',
      });
      expect(refused!.credentialId).toBeUndefined();

      const text = await logText(service);
      expect(text).toContain('"msg":"decision"');
      for (const secret of [alice.key, aliceBasic.key, bob.key, unknown]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(secret.slice(12));
      }
    });

    it('takes the client address from X-Forwarded-For only behind a trusted proxy', async () => {
      const trusted = await admin.patch('/v1/admin/settings', {
        body: { trustedProxies: ['127.0.0.1'] },
      });
      expect(trusted.status).toBe(200);
      const behindProxy = uniquePath('behind-proxy');
      const proxyChain = uniquePath('proxy-chain');
      try {
        const reply = await check({
          uri: behindProxy,
          authorization: bearer(alice.key),
          headers: { 'x-forwarded-for': '203.0.113.9' },
        });
        expect(reply.status).toBe(200);
        // The rightmost address that is not a trusted proxy is the client.
        const chained = await check({
          uri: proxyChain,
          authorization: bearer(alice.key),
          headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.9, 127.0.0.1' },
        });
        expect(chained.status).toBe(200);
      } finally {
        await admin.patch('/v1/admin/settings', { body: { trustedProxies: [] } });
      }
      const [viaProxy] = await decisionLines(service, behindProxy);
      expect(viaProxy?.clientIp).toBe('203.0.113.9');
      const [viaChain] = await decisionLines(service, proxyChain);
      expect(viaChain?.clientIp).toBe('203.0.113.9');

      const direct = uniquePath('direct');
      const reply = await check({
        uri: direct,
        authorization: bearer(alice.key),
        headers: { 'x-forwarded-for': '203.0.113.9' },
      });
      expect(reply.status).toBe(200);
      const [directLine] = await decisionLines(service, direct);
      expect(directLine?.clientIp).toBe('127.0.0.1');
    });

    it('refuses every broken or bogus credential, and lets a good key through odd requests', async () => {
      // disablePasswordBasicAuth is on (the default): a Basic password that is not a Portcullis
      // key is refused here, not left to the upstream (see the next test for it off).
      expect((await admin.get('/v1/admin/settings')).body.disablePasswordBasicAuth).toBe(true);
      const good = bearer(alice.key);
      const rows: [name: string, options: Parameters<typeof check>[0], answer: Answer][] = [
        // Odd requests with a good key: passed (no rule here refuses any path or method).
        ['a bad escape, NUL and dot segments', { uri: '/%zz/%00/../..', authorization: good }, OK],
        ['a URI without its slash', { uri: 'no-slash', authorization: good }, OK],
        ['a 6,000-character URI', { uri: '/' + 'a'.repeat(6000), authorization: good }, OK],
        ['a method that is none', { method: 'NOT A METHOD', authorization: good }, OK],
        [
          'a POST auth call with a body type',
          { via: 'POST', authorization: good, headers: { 'content-type': 'text/plain' } },
          OK,
        ],
        // What nginx did not describe is never decided.
        [
          'an empty original URI',
          { headers: { 'x-original-uri': '' } },
          [403, 'incomplete_request'],
        ],
        // Broken or bogus credentials: refused, whatever the rest.
        [
          'a scheme no verifier speaks',
          { authorization: 'Digest username="alice", realm="x"' },
          [401, 'unknown_credential'],
        ],
        ['Bearer without a token', { authorization: 'Bearer' }, [401, 'malformed_credential']],
        ['Basic without credentials', { authorization: 'Basic' }, [401, 'malformed_credential']],
        ['Basic not in base64', { authorization: 'Basic !!!!' }, [401, 'malformed_credential']],
        [
          'Basic without a colon',
          { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` },
          [401, 'malformed_credential'],
        ],
        [
          'Basic with a password that is not a key',
          { authorization: basicAuth('alice', 'a-password') },
          [401, 'password_basic_disabled'],
        ],
        [
          "a Basic key with no username (RFC 7617: the user-id can't be empty)",
          { authorization: basicAuth('', aliceBasic.key) },
          [401, 'malformed_credential'],
        ],
        [
          'a 9,000-character token',
          { authorization: `Bearer ${'a'.repeat(9000)}` },
          [401, 'malformed_credential'],
        ],
        [
          'a truncated key',
          { authorization: `Bearer ${alice.key.slice(0, 20)}` },
          [401, 'malformed_credential'],
        ],
        [
          'a bogus key of zeros',
          { authorization: `Bearer pcl_${'0'.repeat(44)}` },
          [401, 'malformed_credential'],
        ],
      ];
      const answers: [string, Answer][] = [];
      for (const [name, options] of rows) {
        const reply = await check(options);
        answers.push([name, [reply.status, reply.headers.get('x-auth-reason')]]);
      }
      expect(answers).toEqual(rows.map(([name, , answer]) => [name, answer]));
    });

    it('leaves a Basic password to the upstream only with disablePasswordBasicAuth off, and never a key', async () => {
      const off = await admin.patch('/v1/admin/settings', {
        body: { disablePasswordBasicAuth: false },
      });
      expect(off.status).toBe(200);
      try {
        // Not a Portcullis key: the upstream's own user and password, passed with no identity.
        const password = await check({ authorization: basicAuth('alice', 'a-password') });
        expect([password.status, password.headers.get('x-auth-user')]).toEqual([200, null]);
        // Anything shaped as a key is Portcullis's to check, as a Basic password or a bearer.
        const bogus = `pcl_${'0'.repeat(44)}`;
        for (const authorization of [basicAuth('alice', bogus), `Bearer ${bogus}`]) {
          const reply = await check({ authorization });
          expect([authorization, reply.status]).toEqual([authorization, 401]);
        }
        const forged = await check({
          authorization: basicAuth('alice', breakChecksum(aliceBasic.key)),
        });
        expect(forged.status).toBe(401);
      } finally {
        await admin.patch('/v1/admin/settings', { body: { disablePasswordBasicAuth: true } });
      }
    });

    it('has answered every call in this file with 200, 401 or 403', () => {
      expect(seen.length).toBeGreaterThan(50);
      expect(seen.filter((status) => !NGINX_STATUSES.includes(status))).toEqual([]);
    });
  });
});

describe('nginx auth_request endpoint with the database gone', () => {
  let service: TestApp;
  let cached: CreatedKey;
  let uncached: CreatedKey;

  beforeAll(async () => {
    service = await startTestApp();
    const admin = client(service.url, service.adminKey);
    await createUser(admin, 'erin');
    cached = await createKey(admin, { username: 'erin' });
    uncached = await createKey(admin, { username: 'erin' });
    const warm = await nginxCheck(service.url, { authorization: `Bearer ${cached.key}` });
    expect(warm.status).toBe(200);
    await service.runtime.dataSource.destroy();
  });
  afterAll(() => service.close());

  it('still allows a cached key', async () => {
    const reply = await nginxCheck(service.url, { authorization: `Bearer ${cached.key}` });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-auth-user')).toBe('erin');
  });

  it('refuses a key it cannot look up with 403 unavailable (never 200, never 500)', async () => {
    for (const key of [uncached.key, generateKey().plaintext]) {
      const reply = await nginxCheck(service.url, { authorization: `Bearer ${key}` });
      expect(reply.status).toBe(403);
      expect(reply.headers.get('x-auth-reason')).toBe('unavailable');
      expect(reply.headers.get('x-auth-user')).toBeNull();
      expect(reply.headers.get('www-authenticate')).toBeNull();
    }
  });

  it('still answers what needs no database', async () => {
    const missing = await nginxCheck(service.url);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('x-auth-reason')).toBe('missing_credential');
    const malformed = await nginxCheck(service.url, {
      authorization: `Bearer ${breakChecksum(uncached.key)}`,
    });
    expect(malformed.status).toBe(401);
    expect(malformed.headers.get('x-auth-reason')).toBe('malformed_credential');
  });
});

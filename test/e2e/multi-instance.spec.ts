import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  createTestDatabase,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  type TestDatabase,
} from '../support/databases.js';
import { call, client } from '../support/http.js';
import { within } from '../support/ports.js';
import { TestOidcProvider } from '../support/oidc-provider.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const shared = TEST_DATABASE_URL !== undefined && TEST_REDIS_URL !== undefined;

// Two instances sharing one PostgreSQL and one Redis, as in production. Needs the real servers
// (TEST_DATABASE_URL and TEST_REDIS_URL, which .ci/run sets); the embedded default has no sharing.
(shared ? describe : describe.skip)('Two instances sharing PostgreSQL and Redis', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let userId: string;
  const prefix = `test:shared:${randomBytes(4).toString('hex')}:`;

  const nginxCall = (instance: TestApp, key: string) =>
    call(instance.url, 'GET', '/v1/authz/nginx', {
      auth: key,
      headers: { 'x-original-uri': '/orders', 'x-original-method': 'GET' },
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = {
      REDIS_KEY_PREFIX: prefix,
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    };
    a = await startTestApp({ database, env });
    b = await startTestApp({ database, env });
    const admin = client(a.url, a.adminKey);
    userId = (await admin.post('/v1/admin/users', { body: { username: 'shared-user' } })).body.id;
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.drop();
  });

  const newKey = async () =>
    (
      await client(a.url, a.adminKey).post('/v1/admin/keys', {
        body: {
          userId,
          name: `k-${randomBytes(3).toString('hex')}`,
          type: 'bearer',
          expiresIn: 'never',
        },
      })
    ).body as { id: string; keyId: string; key: string };

  it('refuses on instance B, within 1 s, a key revoked on instance A (cached on both)', async () => {
    for (let trial = 0; trial < 10; trial++) {
      const key = await newKey();
      expect((await nginxCall(a, key.key)).status).toBe(200);
      expect((await nginxCall(b, key.key)).status).toBe(200);
      await client(a.url, a.adminKey).post(`/v1/admin/keys/${key.id}/revoke`);
      await within(1000, async () => (await nginxCall(b, key.key)).status === 401);
      expect((await nginxCall(b, key.key)).headers.get('x-auth-reason')).toBe('revoked_key');
    }
  });

  it('refuses on B a user disabled on A, and lets them back when re-enabled', async () => {
    const key = await newKey();
    expect((await nginxCall(b, key.key)).status).toBe(200);
    await client(a.url, a.adminKey).patch(`/v1/admin/users/${userId}`, {
      body: { disabled: true },
    });
    await within(1000, async () => (await nginxCall(b, key.key)).status === 403);
    await client(a.url, a.adminKey).patch(`/v1/admin/users/${userId}`, {
      body: { disabled: false },
    });
    await within(1000, async () => (await nginxCall(b, key.key)).status === 200);
  });

  it('shows on B a group membership changed on A', async () => {
    const admin = client(a.url, a.adminKey);
    const group = (await admin.post('/v1/admin/groups', { body: { name: 'auditors' } })).body;
    const key = await newKey();
    expect((await nginxCall(b, key.key)).headers.get('x-auth-groups')).toBeNull();
    await admin.put(`/v1/admin/groups/${group.id}/members/${userId}`);
    await within(
      1000,
      async () => (await nginxCall(b, key.key)).headers.get('x-auth-groups') === 'auditors',
    );
    await admin.patch(`/v1/admin/groups/${group.id}`, { body: { name: 'reviewers' } });
    await within(
      1000,
      async () => (await nginxCall(b, key.key)).headers.get('x-auth-groups') === 'reviewers',
    );
  });

  it('applies on B a settings change made on A', async () => {
    const key = await newKey();
    expect((await nginxCall(b, key.key)).headers.get('x-auth-user')).toBe('shared-user');
    await client(a.url, a.adminKey).patch('/v1/admin/settings', {
      body: { identityHeaderStyle: 'authelia' },
    });
    await within(
      1000,
      async () => (await nginxCall(b, key.key)).headers.get('remote-user') === 'shared-user',
    );
    await client(a.url, a.adminKey).patch('/v1/admin/settings', {
      body: { identityHeaderStyle: 'x-auth' },
    });
  });

  it('applies on B, within 1 s, path and access rules changed on A', async () => {
    const admin = client(a.url, a.adminKey);
    const key = await newKey();
    const onB = (path: string, method = 'GET') =>
      call(b.url, 'GET', '/v1/authz/nginx', {
        auth: key.key,
        headers: { 'x-original-uri': path, 'x-original-method': method },
      }).then((reply) => reply.status);
    const nginxAnonymous = (path: string) =>
      call(b.url, 'GET', '/v1/authz/nginx', {
        headers: { 'x-original-uri': path, 'x-original-method': 'GET' },
      }).then((reply) => reply.status);
    for (let trial = 0; trial < 5; trial++) {
      const path = `/open-${trial}`;
      expect(await nginxAnonymous(path)).toBe(401);
      const rule = await admin.post('/v1/admin/rules', {
        body: { name: `open-${trial}`, effect: 'public', match: { paths: [path] } },
      });
      expect(rule.status).toBe(201);
      await within(1000, async () => (await nginxAnonymous(path)) === 200);
      await admin.delete(`/v1/admin/rules/open-${trial}`);
      await within(1000, async () => (await nginxAnonymous(path)) === 401);
    }

    const group = (await admin.post('/v1/admin/groups', { body: { name: 'readers' } })).body;
    await admin.put(`/v1/admin/groups/${group.id}/members/${userId}`);
    const readOnly = await admin.post('/v1/admin/rules', {
      body: {
        name: 'readers',
        effect: 'authenticated',
        require: [{ readOnlyGroups: ['readers'] }],
      },
    });
    expect(readOnly.status).toBe(201);
    await within(1000, async () => (await onB('/orders', 'POST')) === 403);
    expect(await onB('/orders', 'GET')).toBe(200);
    await admin.delete('/v1/admin/rules/readers');
    await within(1000, async () => (await onB('/orders', 'POST')) === 200);
  });

  it('refuses on B, within 1 s, the tokens of a provider disabled on A', async () => {
    const idp = await TestOidcProvider.start({ accounts: { 'shared-user': {} } });
    const admin = client(a.url, a.adminKey);
    try {
      const provider = await admin.post('/v1/admin/providers', {
        body: {
          name: 'shared idp',
          preset: 'custom',
          issuer: idp.issuer,
          clientId: 'portcullis',
          validation: 'jwt',
          usernameAttribute: 'sub',
        },
      });
      expect(provider.status).toBe(201);
      const token = await idp.jwtAccessToken('shared-user');
      await within(1000, async () => (await nginxCall(b, token)).status === 200);
      await admin.patch(`/v1/admin/providers/${provider.body.id}`, { body: { enabled: false } });
      await within(1000, async () => (await nginxCall(b, token)).status === 401);
    } finally {
      await idp.stop();
    }
  });

  it('keeps both instances right under load while a key is revoked and a path opened on A', async () => {
    const admin = client(a.url, a.adminKey);
    const steady = await newKey();
    const doomed = await newKey();
    const path = `/opened-under-load-${randomBytes(3).toString('hex')}`;
    interface Sample {
      instance: 'a' | 'b';
      kind: 'steady' | 'doomed' | 'anonymous';
      startedAt: number;
      finishedAt: number;
      status: number;
    }
    const samples: Sample[] = [];
    let revokeSentAt = Infinity;
    let revokedAt = Infinity;
    let openedAt = Infinity;
    let running = true;

    const worker = async (instance: TestApp, name: 'a' | 'b') => {
      while (running) {
        for (const kind of ['steady', 'doomed', 'anonymous'] as const) {
          const startedAt = Date.now();
          const reply = await call(instance.url, 'GET', '/v1/authz/nginx', {
            ...(kind === 'anonymous' ? {} : { auth: kind === 'steady' ? steady.key : doomed.key }),
            headers: { 'x-original-uri': path, 'x-original-method': 'GET' },
          });
          samples.push({
            instance: name,
            kind,
            startedAt,
            finishedAt: Date.now(),
            status: reply.status,
          });
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, i) =>
      i % 2 === 0 ? worker(a, 'a') : worker(b, 'b'),
    );

    await new Promise((resolve) => setTimeout(resolve, 500));
    revokeSentAt = Date.now();
    expect((await admin.post(`/v1/admin/keys/${doomed.id}/revoke`)).status).toBe(200);
    revokedAt = Date.now();
    const rule = await admin.post('/v1/admin/rules', {
      body: { name: 'opened-under-load', effect: 'public', match: { paths: [path] } },
    });
    expect(rule.status).toBe(201);
    openedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    running = false;
    await Promise.all(workers);

    const count = (filter: (sample: Sample) => boolean) => samples.filter(filter).length;
    for (const name of ['a', 'b'] as const) {
      // Both instances carried the load, before and after the changes.
      expect(count((s) => s.instance === name && s.finishedAt < revokeSentAt)).toBeGreaterThan(20);
      expect(count((s) => s.instance === name && s.startedAt > openedAt + 1000)).toBeGreaterThan(
        20,
      );
    }
    // Nothing failed, and the untouched key was never refused.
    expect(samples.filter((s) => s.status >= 500)).toEqual([]);
    expect(samples.filter((s) => s.kind === 'steady' && s.status !== 200)).toEqual([]);
    // Answered before the changes were asked for: the doomed key works, the path is closed.
    const before = samples.filter((s) => s.finishedAt < revokeSentAt);
    expect(before.filter((s) => s.kind === 'doomed' && s.status !== 200)).toEqual([]);
    expect(before.filter((s) => s.kind === 'anonymous' && s.status !== 401)).toEqual([]);
    // From one second after each change, every answer on both instances reflects it.
    const settled = (at: number) => samples.filter((s) => s.startedAt > at + 1000);
    expect(settled(revokedAt).filter((s) => s.kind === 'doomed' && s.status !== 401)).toEqual([]);
    expect(settled(openedAt).filter((s) => s.kind === 'anonymous' && s.status !== 200)).toEqual([]);
  });

  it('serves B from the shared Redis tier a key that A looked up', async () => {
    const key = await newKey();
    expect((await nginxCall(a, key.key)).status).toBe(200);
    // A's fill into Redis is asynchronous: wait until the record is there, so that B's first call
    // can only be answered without the database by reading Redis (its own tier is still empty).
    const redis = new Redis(TEST_REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      await within(2000, async () => (await redis.exists(`${prefix}key:k:${key.keyId}`)) === 1);
    } finally {
      redis.disconnect();
    }
    let queries = 0;
    const original = b.runtime.dataSource.query.bind(b.runtime.dataSource);
    b.runtime.dataSource.query = (async (...args: Parameters<typeof original>) => {
      queries++;
      return original(...args);
    }) as typeof original;
    try {
      expect((await nginxCall(b, key.key)).status).toBe(200);
      expect(queries).toBe(0);
    } finally {
      b.runtime.dataSource.query = original;
    }
  });
});

import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import type { CheckResponse } from '../../src/adapters/envoy-grpc/envoy-proto.js';
import { QuotaBuckets } from '../../src/limits/quota-buckets.js';
import {
  createTestDatabase,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  type TestDatabase,
} from '../support/databases.js';
import { basicAuth, createUser, nginxCheck } from '../support/decisions.js';
import { checkClient, type CheckClient } from '../support/grpc.js';
import { call, client } from '../support/http.js';
import { within } from '../support/ports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Admin = ReturnType<typeof client>;

async function keyWithQuota(admin: Admin, userId: string, rateLimit?: string) {
  const created = await admin.post('/v1/admin/keys', {
    body: {
      userId,
      name: `q-${randomBytes(3).toString('hex')}`,
      type: 'bearer',
      expiresIn: 'never',
      ...(rateLimit !== undefined && { rateLimit }),
    },
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; key: string; rateLimit: string | null };
}

const nginx = (service: TestApp, key: string) =>
  nginxCheck(service.url, { authorization: `Bearer ${key}` });

describe(QuotaBuckets.name, () => {
  let service: TestApp;
  let admin: Admin;
  let userId: string;
  let authz: CheckClient;

  beforeAll(async () => {
    service = await startTestApp({
      env: { GRPC_PORT: '0', INTROSPECTION_RATE_LIMIT: '3 per minute' },
    });
    admin = client(service.url, service.adminKey);
    userId = await createUser(admin, 'metered-user');
    authz = checkClient(service);
  });

  afterAll(async () => {
    authz?.close();
    await service?.close();
  });

  it('admin API: a key takes a rateLimit, shows it, changes and removes it; a bad one is refused', async () => {
    const key = await keyWithQuota(admin, userId, '600 per minute');
    expect(key.rateLimit).toBe('600 per minute');
    const patched = await admin.patch(`/v1/admin/keys/${key.id}`, {
      body: { rateLimit: '10/second' },
    });
    expect(patched.body.rateLimit).toBe('10 per second');
    expect((await admin.get(`/v1/admin/keys/${key.id}`)).body.rateLimit).toBe('10 per second');
    const removed = await admin.patch(`/v1/admin/keys/${key.id}`, { body: { rateLimit: null } });
    expect(removed.body.rateLimit).toBeNull();
    for (const bad of ['600', '0 per minute', 'lots per hour', 42]) {
      const refused = await admin.post('/v1/admin/keys', {
        body: { userId, name: 'bad', type: 'bearer', expiresIn: 'never', rateLimit: bad },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ pointer: '#/rateLimit' })]),
      );
    }
    // Users cannot give their own keys a quota (nor lift one).
    const own = await admin.post('/v1/me/keys', {
      body: { name: 'own', type: 'bearer', expiresIn: 'never', rateLimit: '1 per day' },
    });
    expect(own.status).toBe(400);
  });

  it('admin API: a group takes a rateLimit and shows it', async () => {
    const created = await admin.post('/v1/admin/groups', {
      body: { name: 'quota-shown', rateLimit: '100 per hour' },
    });
    expect(created.status).toBe(201);
    expect(created.body.rateLimit).toBe('100 per hour');
    const patched = await admin.patch(`/v1/admin/groups/${created.body.id}`, {
      body: { rateLimit: null },
    });
    expect(patched.body.rateLimit).toBeNull();
    const bad = await admin.patch(`/v1/admin/groups/${created.body.id}`, {
      body: { rateLimit: 'never' },
    });
    expect(bad.status).toBe(400);
  });

  it('nginx: past a key quota, 403 quota_exceeded with Retry-After; other keys are unaffected', async () => {
    const limited = await keyWithQuota(admin, userId, '3 per minute');
    const free = await keyWithQuota(admin, userId);
    for (let i = 0; i < 3; i++) expect((await nginx(service, limited.key)).status).toBe(200);
    const refused = await nginx(service, limited.key);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-auth-reason')).toBe('quota_exceeded');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(refused.headers.get('x-auth-user')).toBeNull();
    for (let i = 0; i < 10; i++) expect((await nginx(service, free.key)).status).toBe(200);
  });

  it('Envoy HTTP: 429 quota_exceeded with Retry-After', async () => {
    const key = await keyWithQuota(admin, userId, '2 per minute');
    const envoy = () => call(service.url, 'GET', '/v1/authz/envoy/orders', { auth: key.key });
    expect((await envoy()).status).toBe(200);
    expect((await envoy()).status).toBe(200);
    const refused = await envoy();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-auth-reason')).toBe('quota_exceeded');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body).toEqual({ status: 429, reason: 'quota_exceeded' });
  });

  it('Envoy gRPC: RESOURCE_EXHAUSTED with a 429 denied response', async () => {
    const key = await keyWithQuota(admin, userId, '1 per minute');
    const check = () =>
      new Promise<CheckResponse>((resolve, reject) =>
        authz.Check(
          {
            attributes: {
              source: { address: { socket_address: { address: '198.51.100.9' } } },
              request: {
                http: {
                  method: 'GET',
                  path: '/orders',
                  host: 'api.example.com',
                  headers: { authorization: `Bearer ${key.key}` },
                },
              },
            },
          },
          (error, response) => (error ? reject(error) : resolve(response)),
        ),
      );
    expect((await check()).status!.code).toBe(grpc.status.OK);
    const refused = await check();
    expect(refused.status!.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused.denied_response!.status!.code).toBe(429);
    const headers = Object.fromEntries(
      refused.denied_response!.headers.map((h) => [h.header.key, h.header.value]),
    );
    expect(headers['x-auth-reason']).toBe('quota_exceeded');
    expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('JSON API: 429 quota_exceeded with Retry-After', async () => {
    const key = await keyWithQuota(admin, userId, '1 per minute');
    const decide = () => admin.post('/v1/decisions', { body: { credential: key.key } });
    expect((await decide()).body.allowed).toBe(true);
    const refused = await decide();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body).toMatchObject({ allowed: false, status: 429, reason: 'quota_exceeded' });
  });

  it("a group's quota is shared by all its members' keys; removing it lifts it", async () => {
    const group = await admin.post('/v1/admin/groups', {
      body: { name: 'metered', rateLimit: '4 per minute' },
    });
    const first = await createUser(admin, 'metered-1', { groups: ['metered'] });
    const second = await createUser(admin, 'metered-2', { groups: ['metered'] });
    const keys = [await keyWithQuota(admin, first), await keyWithQuota(admin, second)];
    const outsider = await keyWithQuota(admin, userId);
    let admitted = 0;
    for (let i = 0; i < 8; i++) {
      const reply = await nginx(service, keys[i % 2]!.key);
      if (reply.status === 200) admitted++;
      else expect(reply.headers.get('x-auth-reason')).toBe('quota_exceeded');
    }
    expect(admitted).toBe(4);
    expect((await nginx(service, outsider.key)).status).toBe(200);
    await admin.patch(`/v1/admin/groups/${group.body.id}`, { body: { rateLimit: null } });
    await within(1000, async () => (await nginx(service, keys[0]!.key)).status === 200);
    expect((await nginx(service, keys[1]!.key)).status).toBe(200);
  });

  it('a quota added to a key in use applies within a second', async () => {
    const key = await keyWithQuota(admin, userId);
    for (let i = 0; i < 5; i++) expect((await nginx(service, key.key)).status).toBe(200);
    await admin.patch(`/v1/admin/keys/${key.id}`, { body: { rateLimit: '1 per hour' } });
    await within(1000, async () => (await nginx(service, key.key)).status === 403);
    expect((await nginx(service, key.key)).headers.get('x-auth-reason')).toBe('quota_exceeded');
  });

  it('introspection: each caller is throttled (INTROSPECTION_RATE_LIMIT) with 429 rate_limited', async () => {
    const created = await admin.post('/v1/admin/introspection-clients', {
      body: { name: 'scanner' },
    });
    expect(created.status).toBe(201);
    const { clientId, clientSecret } = created.body as { clientId: string; clientSecret: string };
    const introspect = (id: string, secret: string) =>
      call(service.url, 'POST', '/oauth2/introspect', {
        raw: 'token=pcl_notakey',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth(id, secret),
        },
      });
    for (let i = 0; i < 3; i++) {
      const reply = await introspect(clientId, clientSecret);
      expect([reply.status, reply.body]).toEqual([200, { active: false }]);
    }
    const refused = await introspect(clientId, clientSecret);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body).toEqual({
      error: 'rate_limited',
      error_description: 'Too many introspection requests',
    });
    // Another caller has its own allowance.
    const other = await admin.post('/v1/admin/introspection-clients', { body: { name: 'other' } });
    expect((await introspect(other.body.clientId, other.body.clientSecret)).status).toBe(200);
  });

  it('counts quota_exceeded refusals in the metrics', async () => {
    const metrics = await call(service.url, 'GET', '/metrics');
    expect(metrics.text).toMatch(
      /portcullis_decisions_total\{interface="nginx",outcome="deny",reason="quota_exceeded"\} [1-9]/,
    );
  });
});

const shared = TEST_DATABASE_URL !== undefined && TEST_REDIS_URL !== undefined;
const SYNC_EVERY = 5;

(shared ? describe : describe.skip)('Quotas across two instances sharing Redis', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = {
      REDIS_KEY_PREFIX: `test:quotas:${randomBytes(4).toString('hex')}:`,
      QUOTA_SYNC_MS: '50',
      QUOTA_SYNC_EVERY: String(SYNC_EVERY),
    };
    a = await startTestApp({ database, env });
    b = await startTestApp({ database, env });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.drop();
  });

  it('admits a key quota across both instances within (instances - 1) x QUOTA_SYNC_EVERY', async () => {
    const admin = client(a.url, a.adminKey);
    const userId = await createUser(admin, 'shared-metered');
    const key = await keyWithQuota(admin, userId, '40 per minute');
    let admitted = 0;
    for (let i = 0; i < 120; i++) {
      const reply = await nginx(i % 2 === 0 ? a : b, key.key);
      if (reply.status === 200) admitted++;
      else expect(reply.headers.get('x-auth-reason')).toBe('quota_exceeded');
    }
    expect(admitted).toBeGreaterThanOrEqual(40);
    // The documented bound, plus one request in flight during a report.
    expect(admitted).toBeLessThanOrEqual(40 + SYNC_EVERY + 1);
  });

  it("holds a group's quota for members using different instances", async () => {
    const admin = client(a.url, a.adminKey);
    await admin.post('/v1/admin/groups', { body: { name: 'team', rateLimit: '30 per minute' } });
    const keys = await Promise.all(
      ['team-1', 'team-2'].map(async (name) =>
        keyWithQuota(admin, await createUser(admin, name, { groups: ['team'] })),
      ),
    );
    let admitted = 0;
    for (let i = 0; i < 100; i++) {
      const reply = await nginx(i % 2 === 0 ? a : b, keys[i % 2]!.key);
      if (reply.status === 200) admitted++;
    }
    expect(admitted).toBeGreaterThanOrEqual(30);
    expect(admitted).toBeLessThanOrEqual(30 + SYNC_EVERY + 1);
  });
});

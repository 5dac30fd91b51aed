import * as grpc from '@grpc/grpc-js';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { CheckResponse } from '../../src/adapters/envoy-grpc/envoy-proto.js';
import { loadConfig } from '../../src/config/app-config.js';
import { generateKey, keyIdOf } from '../../src/keys/key-format.js';
import { FailedAttemptLimiter } from '../../src/limits/failed-attempt-limiter.js';
import {
  createTestDatabase,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  type TestDatabase,
} from '../support/databases.js';
import {
  basicAuth,
  createGroup,
  createKey,
  createUser,
  nginxCheck,
  type CreatedKey,
} from '../support/decisions.js';
import { checkClient, type CheckClient } from '../support/grpc.js';
import { call, client } from '../support/http.js';
import { PrivateRedis } from '../support/redis-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const LIMIT = 5;
// Long enough that a test, even on a busy machine, fits in one window (see beforeEach).
const WINDOW_MS = 300_000;
const LIMITS_ENV = {
  FAILED_ATTEMPTS_PER_IP: String(LIMIT),
  FAILED_ATTEMPTS_PER_KEY_ID: String(LIMIT),
  FAILED_ATTEMPTS_WINDOW_SECONDS: String(WINDOW_MS / 1000),
};

/**
 * Failures are counted in fixed windows: a test whose attempts straddled a window's end would
 * see its count start again from zero. Each test starts with at least this long left.
 */
const WINDOW_LEFT_NEEDED_MS = 20_000;
beforeEach(async () => {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < WINDOW_LEFT_NEEDED_MS) await new Promise((resolve) => setTimeout(resolve, left + 50));
});

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A well-formed key (checksum right) with this key id and a random, wrong secret. */
function forgedKey(keyId: string): string {
  const body = `pcl_${keyId}${randomBytes(30)
    .toString('base64')
    .replace(/[^0-9A-Za-z]/g, 'x')
    .slice(0, 30)}`;
  let value = crc32(body);
  let sum = '';
  for (let i = 0; i < 6; i++) {
    sum = BASE62[value % 62] + sum;
    value = Math.floor(value / 62);
  }
  return body + sum;
}

/** How many database queries `work` made on the service. */
async function countingQueries(service: TestApp, work: () => Promise<void>): Promise<number> {
  const dataSource = service.runtime.dataSource;
  const original = dataSource.query.bind(dataSource);
  let queries = 0;
  dataSource.query = (async (...args: Parameters<typeof original>) => {
    queries++;
    return original(...args);
  }) as typeof dataSource.query;
  try {
    await work();
  } finally {
    dataSource.query = original;
  }
  return queries;
}

/** A client address of its own for each test, so that their counts never meet. */
let nextAddress = 1;
const newAddress = () => `203.0.113.${nextAddress++}`;

const nginxFrom = (service: TestApp, ip: string, key: string) =>
  nginxCheck(service.url, { authorization: `Bearer ${key}`, headers: { 'x-forwarded-for': ip } });

describe(FailedAttemptLimiter.name, () => {
  let service: TestApp;
  let admin: ReturnType<typeof client>;
  let userId: string;
  let authz: CheckClient;

  beforeAll(async () => {
    service = await startTestApp({ env: { ...LIMITS_ENV, GRPC_PORT: '0' } });
    admin = client(service.url, service.adminKey);
    // 127.0.0.1 is a trusted proxy, so each test names its own client in X-Forwarded-For.
    await admin.patch('/v1/admin/settings', { body: { trustedProxies: ['127.0.0.1'] } });
    userId = await createUser(admin, 'limited-user');
    authz = checkClient(service);
  });

  afterAll(async () => {
    authz?.close();
    await service?.close();
  });

  it('nginx: refuses the attempt after the limit as 403 rate_limited with Retry-After; a cached valid key from the same address still passes', async () => {
    const ip = newAddress();
    const valid = await createKey(admin, { userId });
    expect((await nginxFrom(service, ip, valid.key)).status).toBe(200);
    for (let i = 0; i < LIMIT; i++) {
      const reply = await nginxFrom(service, ip, generateKey().plaintext);
      expect([reply.status, reply.headers.get('x-auth-reason')]).toEqual([401, 'unknown_key']);
    }
    const limited = await nginxFrom(service, ip, generateKey().plaintext);
    expect(limited.status).toBe(403);
    expect(limited.headers.get('x-auth-reason')).toBe('rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    // Malformed credentials are refused as limited too: any presented credential counts.
    const garbage = await nginxCheck(service.url, {
      authorization: 'Bearer nonsense',
      headers: { 'x-forwarded-for': ip },
    });
    expect(garbage.headers.get('x-auth-reason')).toBe('rate_limited');
    // The valid key this instance holds passes, with no change.
    const ok = await nginxFrom(service, ip, valid.key);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-auth-user')).toBe('limited-user');
    // Another address is not affected.
    expect((await nginxFrom(service, newAddress(), generateKey().plaintext)).status).toBe(401);
  });

  it('nginx: from a limited address, 100 valid keys never seen here pass, after 1,000 bad attempts', async () => {
    const ip = newAddress();
    // Made first: the attempts below must fit in one window.
    const fresh: CreatedKey[] = [];
    for (let i = 0; i < 100; i++) fresh.push(await createKey(admin, { userId }));
    const bad = [
      () => generateKey().plaintext, // a made-up key id
      () => 'not-a-key',
      () => forgedKey(generateKey().keyId),
    ];
    for (let i = 0; i < 1000; i++) await nginxFrom(service, ip, bad[i % bad.length]!());
    const made = await nginxFrom(service, ip, generateKey().plaintext);
    expect([made.status, made.headers.get('x-auth-reason')]).toEqual([403, 'rate_limited']);

    const answers = [];
    for (const key of fresh) answers.push((await nginxFrom(service, ip, key.key)).status);
    expect(answers).toEqual(fresh.map(() => 200));
    // The address is still limited for everything else.
    const after = await nginxFrom(service, ip, generateKey().plaintext);
    expect([after.status, after.headers.get('x-auth-reason')]).toEqual([403, 'rate_limited']);
  });

  it('nginx: from a limited address, made-up key ids are refused without a database query', async () => {
    const ip = newAddress();
    for (let i = 0; i <= LIMIT; i++) await nginxFrom(service, ip, generateKey().plaintext);
    const made = Array.from({ length: 100 }, () => generateKey().plaintext);
    const counted = await countingQueries(service, async () => {
      for (const key of made) {
        const reply = await nginxFrom(service, ip, key);
        expect([reply.status, reply.headers.get('x-auth-reason')]).toEqual([403, 'rate_limited']);
      }
    });
    expect(counted).toBe(0);
    // A real key, guessed beyond its own limit, stays limited by its key id from anywhere.
    const target = await createKey(admin, { userId });
    for (let i = 0; i <= LIMIT; i++) {
      await nginxFrom(service, newAddress(), forgedKey(target.keyId));
    }
    const guessed = await nginxFrom(service, newAddress(), forgedKey(target.keyId));
    expect(guessed.headers.get('x-auth-reason')).toBe('rate_limited');
  });

  it('admin API and introspection: callers with real keys get in from a limited address', async () => {
    const ip = newAddress();
    for (let i = 0; i <= LIMIT; i++) await nginxFrom(service, ip, generateKey().plaintext);
    const from = { 'x-forwarded-for': ip };
    const adminId = await createUser(admin, `second-admin-${ip}`, {
      groups: ['portcullis-admins'],
    });
    const adminKey = await createKey(admin, { userId: adminId });
    const listed = await call(service.url, 'GET', '/v1/admin/users', {
      auth: adminKey.key,
      headers: from,
    });
    expect(listed.status).toBe(200);
    await admin.post('/v1/admin/groups', { body: { name: 'portcullis-introspectors' } });
    const introspectorId = await createUser(admin, `introspector-${ip}`, {
      groups: ['portcullis-introspectors'],
    });
    const introspector = await createKey(admin, { userId: introspectorId });
    const introspected = await call(service.url, 'POST', '/oauth2/introspect', {
      auth: introspector.key,
      headers: { ...from, 'content-type': 'application/x-www-form-urlencoded' },
      raw: `token=${encodeURIComponent(adminKey.key)}`,
    });
    expect([introspected.status, introspected.body.active]).toEqual([200, true]);
    // A made-up key is still refused there, before any lookup.
    const made = await call(service.url, 'GET', '/v1/admin/users', {
      auth: generateKey().plaintext,
      headers: from,
    });
    expect(made.status).toBe(429);
  });

  it('does not count requests without a credential', async () => {
    const ip = newAddress();
    for (let i = 0; i < LIMIT * 2; i++) {
      const reply = await nginxCheck(service.url, { headers: { 'x-forwarded-for': ip } });
      expect(reply.headers.get('x-auth-reason')).toBe('missing_credential');
    }
    const reply = await nginxFrom(service, ip, generateKey().plaintext);
    expect([reply.status, reply.headers.get('x-auth-reason')]).toEqual([401, 'unknown_key']);
  });

  it('does not count refusals by policy (group_denied, ip_denied): a proven caller is no guess', async () => {
    const ip = newAddress();
    // group_denied: a host whose rule lets in a group the user is not in.
    await createGroup(admin, 'limits-nobody');
    const rule = await admin.post('/v1/admin/rules', {
      body: {
        name: 'members-only',
        effect: 'authenticated',
        match: { hosts: ['members-only.example'] },
        require: [{ anyGroups: ['limits-nobody'] }],
      },
    });
    expect(rule.status).toBe(201);
    // ip_denied: a key of its own allowed only from elsewhere.
    const fenced = await createKey(admin, { userId });
    const narrowed = await admin.patch(`/v1/admin/keys/${fenced.id}`, {
      body: { allowedIps: ['192.0.2.0/24'] },
    });
    expect(narrowed.status).toBe(200);
    const member = await createKey(admin, { userId });
    try {
      // More than the limit of each, from one address, with one key id each.
      for (let i = 0; i <= LIMIT; i++) {
        const groupDenied = await nginxCheck(service.url, {
          authorization: `Bearer ${member.key}`,
          headers: { 'x-forwarded-for': ip, 'x-forwarded-host': 'members-only.example' },
        });
        expect([groupDenied.status, groupDenied.headers.get('x-auth-reason')]).toEqual([
          403,
          'group_denied',
        ]);
        const ipDenied = await nginxFrom(service, ip, fenced.key);
        expect([ipDenied.status, ipDenied.headers.get('x-auth-reason')]).toEqual([
          403,
          'ip_denied',
        ]);
      }
      // Nothing was counted: a bad key from there is answered, not limited.
      const reply = await nginxFrom(service, ip, generateKey().plaintext);
      expect([reply.status, reply.headers.get('x-auth-reason')]).toEqual([401, 'unknown_key']);
    } finally {
      await admin.delete('/v1/admin/rules/members-only');
    }
  });

  it('Envoy HTTP: 429 with Retry-After and a JSON body', async () => {
    const ip = newAddress();
    const envoy = () =>
      call(service.url, 'GET', '/v1/authz/envoy/orders', {
        auth: generateKey().plaintext,
        headers: { 'x-forwarded-for': ip },
      });
    for (let i = 0; i < LIMIT; i++) expect((await envoy()).status).toBe(401);
    const reply = await envoy();
    expect(reply.status).toBe(429);
    expect(reply.headers.get('x-auth-reason')).toBe('rate_limited');
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(reply.headers.get('www-authenticate')).toBeNull();
    expect(reply.body).toEqual({ status: 429, reason: 'rate_limited' });
  });

  it('Envoy gRPC: RESOURCE_EXHAUSTED with a 429 denied response and Retry-After', async () => {
    const ip = newAddress();
    const check = () =>
      new Promise<CheckResponse>((resolve, reject) =>
        authz.Check(
          {
            attributes: {
              source: { address: { socket_address: { address: ip } } },
              request: {
                http: {
                  method: 'GET',
                  path: '/orders',
                  host: 'api.example.com',
                  headers: { authorization: `Bearer ${generateKey().plaintext}` },
                },
              },
            },
          },
          (error, response) => (error ? reject(error) : resolve(response)),
        ),
      );
    for (let i = 0; i < LIMIT; i++) {
      expect((await check()).status!.code).toBe(grpc.status.UNAUTHENTICATED);
    }
    const response = await check();
    expect(response.status!.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(response.denied_response!.status!.code).toBe(429);
    const headers = Object.fromEntries(
      response.denied_response!.headers.map((h) => [h.header.key, h.header.value]),
    );
    expect(headers['x-auth-reason']).toBe('rate_limited');
    expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('JSON API: 429 with Retry-After and the decision, for the client address it names', async () => {
    const ip = newAddress();
    const decide = () =>
      admin.post('/v1/decisions', { body: { credential: generateKey().plaintext, ip } });
    for (let i = 0; i < LIMIT; i++) expect((await decide()).body.reason).toBe('unknown_key');
    const reply = await decide();
    expect(reply.status).toBe(429);
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(reply.body).toMatchObject({ allowed: false, status: 429, reason: 'rate_limited' });
  });

  it('limits one key id guessed from many addresses; its owner, held in memory, still passes', async () => {
    const target: CreatedKey = await createKey(admin, { userId });
    expect((await nginxFrom(service, newAddress(), target.key)).status).toBe(200);
    expect(keyIdOf(forgedKey(target.keyId))).toBe(target.keyId);
    for (let i = 0; i < LIMIT; i++) {
      const reply = await nginxFrom(service, newAddress(), forgedKey(target.keyId));
      expect(reply.headers.get('x-auth-reason')).toBe('unknown_key');
    }
    const limited = await nginxFrom(service, newAddress(), forgedKey(target.keyId));
    expect(limited.headers.get('x-auth-reason')).toBe('rate_limited');
    expect((await nginxFrom(service, newAddress(), target.key)).status).toBe(200);
    // Other keys' ids are not affected.
    expect((await nginxFrom(service, newAddress(), generateKey().plaintext)).status).toBe(401);
  });

  it('introspection: failed caller authentications end in 429 rate_limited, in the OAuth form', async () => {
    const ip = newAddress();
    const introspect = () =>
      call(service.url, 'POST', '/oauth2/introspect', {
        raw: 'token=anything',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuth('no-such-client', 'wrong-secret'),
          'x-forwarded-for': ip,
        },
      });
    for (let i = 0; i < LIMIT; i++) expect((await introspect()).status).toBe(401);
    const reply = await introspect();
    expect(reply.status).toBe(429);
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.body).toEqual({
      error: 'rate_limited',
      error_description: expect.any(String),
    });
  });

  it('admin API: failed authentications end in a 429 problem with Retry-After; the admin still gets in', async () => {
    const ip = newAddress();
    const attempt = () =>
      call(service.url, 'GET', '/v1/admin/users', {
        auth: generateKey().plaintext,
        headers: { 'x-forwarded-for': ip },
      });
    for (let i = 0; i < LIMIT; i++) expect((await attempt()).status).toBe(401);
    const reply = await attempt();
    expect(reply.status).toBe(429);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(reply.body).toMatchObject({
      type: 'urn:portcullis:problem:rate-limited',
      status: 429,
    });
    const asAdmin = await call(service.url, 'GET', '/v1/admin/users', {
      auth: service.adminKey,
      headers: { 'x-forwarded-for': ip },
    });
    expect(asAdmin.status).toBe(200);
  });

  it('console sign-in: wrong keys end in a 429 problem with Retry-After', async () => {
    const ip = newAddress();
    const signIn = (key: string) =>
      call(service.url, 'POST', '/console/session', {
        body: { key },
        headers: { 'x-forwarded-for': ip },
      });
    for (let i = 0; i < LIMIT; i++)
      expect((await signIn(generateKey().plaintext)).status).toBe(401);
    const reply = await signIn(generateKey().plaintext);
    expect(reply.status).toBe(429);
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(reply.body).toMatchObject({ type: 'urn:portcullis:problem:rate-limited' });
    // The admin's key, held in memory, still signs in from there.
    expect((await signIn(service.adminKey)).status).toBe(201);
  });

  it('counts rate_limited refusals in the metrics', async () => {
    const metrics = await call(service.url, 'GET', '/metrics');
    expect(metrics.text).toMatch(
      /portcullis_decisions_total\{interface="nginx",outcome="deny",reason="rate_limited"\} [1-9]/,
    );
  });
});

const shared = TEST_DATABASE_URL !== undefined && TEST_REDIS_URL !== undefined;

(shared ? describe : describe.skip)('Failed attempts across two instances sharing Redis', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = {
      ...LIMITS_ENV,
      REDIS_KEY_PREFIX: `test:limits:${randomBytes(4).toString('hex')}:`,
    };
    a = await startTestApp({ database, env });
    await client(a.url, a.adminKey).patch('/v1/admin/settings', {
      body: { trustedProxies: ['127.0.0.1'] },
    });
    // Started after the change, so that B reads the trusted proxies at once.
    b = await startTestApp({ database, env });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.drop();
  });

  it('limits an address whose failures are spread over both instances, leaving a valid key alone', async () => {
    const admin = client(a.url, a.adminKey);
    const userId = await createUser(admin, 'two-instance-user');
    const valid = await createKey(admin, { userId });
    const ip = newAddress();
    expect((await nginxFrom(a, ip, valid.key)).status).toBe(200);
    expect((await nginxFrom(b, ip, valid.key)).status).toBe(200);
    for (let i = 0; i < LIMIT; i++) {
      const reply = await nginxFrom(i % 2 === 0 ? a : b, ip, generateKey().plaintext);
      expect(reply.headers.get('x-auth-reason')).toBe('unknown_key');
    }
    // Neither instance saw more than three failures, yet both know the address is over.
    for (const instance of [a, b]) {
      const reply = await nginxFrom(instance, ip, generateKey().plaintext);
      expect(reply.headers.get('x-auth-reason')).toBe('rate_limited');
    }
    expect((await nginxFrom(a, ip, valid.key)).status).toBe(200);
    expect((await nginxFrom(b, ip, valid.key)).status).toBe(200);
  });
});

// Without Redis the same limits hold on the single instance (the embedded default): the
// describe above runs the whole set in that mode when TEST_REDIS_URL is unset.
describe('Failed-attempt limits switched off', () => {
  /** The limits per address and per key id when the variables are unset (20 each). */
  const { failedAttemptsPerIp, failedAttemptsPerKeyId } = loadConfig({}).limits;
  const DEFAULT_LIMIT = Math.max(failedAttemptsPerIp, failedAttemptsPerKeyId);
  let service: TestApp;

  beforeAll(async () => {
    service = await startTestApp({
      env: { FAILED_ATTEMPTS_PER_IP: '0', FAILED_ATTEMPTS_PER_KEY_ID: '0' },
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('never refuses as rate_limited when FAILED_ATTEMPTS_PER_IP and _PER_KEY_ID are 0', async () => {
    // More than the default limit, from one address, guessing one key id: "off" is not "20".
    const keyId = keyIdOf(generateKey().plaintext);
    for (let i = 0; i < DEFAULT_LIMIT + 5; i++) {
      const reply = await nginxCheck(service.url, {
        authorization: `Bearer ${forgedKey(keyId)}`,
      });
      expect([i, reply.headers.get('x-auth-reason')]).toEqual([i, 'unknown_key']);
    }
  });
});

// In CI (which has it) a missing redis-server fails rather than skips.
const hasRedisServer =
  spawnSync('redis-server', ['--version']).status === 0 || process.env.CI === 'true';

// Fail closed: with Redis gone or silent, failures are still counted, by the instance itself, and
// their answers do not wait for Redis. A private redis-server, never the shared one.
(hasRedisServer ? describe : describe.skip)('Failed attempts while Redis fails', () => {
  let redis: PrivateRedis;
  let service: TestApp;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    service = await startTestApp({
      env: { ...LIMITS_ENV, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'test:limits-fault:' },
    });
    await client(service.url, service.adminKey).patch('/v1/admin/settings', {
      body: { trustedProxies: ['127.0.0.1'] },
    });
  });

  afterAll(async () => {
    redis?.thaw();
    await service?.close();
    await redis?.kill();
  });

  const limitedWithin = async (ip: string) => {
    for (let i = 0; i < LIMIT; i++) {
      const started = performance.now();
      const reply = await nginxFrom(service, ip, generateKey().plaintext);
      expect(reply.headers.get('x-auth-reason')).toBe('unknown_key');
      expect(performance.now() - started).toBeLessThan(1000);
    }
    const reply = await nginxFrom(service, ip, generateKey().plaintext);
    expect(reply.headers.get('x-auth-reason')).toBe('rate_limited');
  };

  it('counts on this instance alone while Redis is frozen, answering without waiting for it', async () => {
    redis.freeze();
    try {
      await limitedWithin(newAddress());
    } finally {
      redis.thaw();
    }
  });

  it('counts on this instance alone while Redis is down', async () => {
    await redis.kill();
    await limitedWithin(newAddress());
    await redis.restart();
  });
});

import { randomBytes } from 'node:crypto';
import { generateKey } from '../../src/keys/key-format.js';
import { createKey, createUser, eventually, type AdminClient } from '../support/decisions.js';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/databases.js';
import { checkClient, type CheckClient } from '../support/grpc.js';
import { client } from '../support/http.js';
import { LoadRun, viaGrpc, viaJson, viaNginx, type Scenario } from '../support/load.js';
import { PrivateRedis } from '../support/redis-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Redis killed in the middle of a load run, then started again (empty, as a restarted Redis
// without persistence is). Two instances share a real PostgreSQL database and a private
// redis-server (the shared one on 6379 is never stopped). Needs TEST_DATABASE_URL; skipped on the
// embedded default, which has no Redis.
(TEST_DATABASE_URL ? describe : describe.skip)('Redis stopped under load', () => {
  let redis: PrivateRedis;
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let admin: AdminClient;
  let authz: CheckClient;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    database = await createTestDatabase();
    const env = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `faults:${randomBytes(4).toString('hex')}:`,
      GRPC_PORT: '0',
    };
    a = await startTestApp({ database, env });
    b = await startTestApp({ database, env });
    admin = client(a.url, a.adminKey);
    authz = checkClient(a);
  });

  afterAll(async () => {
    authz?.close();
    await b?.close();
    await a?.close();
    await database?.drop();
    await redis?.kill();
  });

  it('never allows what it should refuse, keeps deciding from PostgreSQL, and resumes caching and invalidation', async () => {
    await createUser(admin, 'alice');
    const malloryId = await createUser(admin, 'mallory');
    const valid = await createKey(admin, { username: 'alice' });
    const revoked = await createKey(admin, { username: 'alice' });
    const revokedDuring = await createKey(admin, { username: 'alice' });
    const disabled = await createKey(admin, { username: 'mallory' });
    const unknown = generateKey().plaintext;
    // Seen (and cached on both instances, in both tiers) before anything changes or breaks.
    for (const key of [valid, revoked, revokedDuring, disabled]) {
      expect((await viaNginx(a.url, key.key, AbortSignal.timeout(5000))).outcome).toBe('allowed');
      expect((await viaNginx(b.url, key.key, AbortSignal.timeout(5000))).outcome).toBe('allowed');
    }
    await admin.post(`/v1/admin/keys/${revoked.id}/revoke`);
    await admin.patch(`/v1/admin/users/${malloryId}`, { body: { disabled: true } });
    let revokedDuringAt = Infinity;

    const refused = (name: string, send: Scenario['send']): Scenario => ({
      name,
      send,
      mustDeny: () => true,
    });
    const run = new LoadRun(
      [
        {
          name: 'valid nginx A',
          send: (s) => viaNginx(a.url, valid.key, s),
          mustDeny: () => false,
        },
        {
          name: 'valid nginx B',
          send: (s) => viaNginx(b.url, valid.key, s),
          mustDeny: () => false,
        },
        {
          name: 'valid json B',
          send: (s) => viaJson(b.url, a.adminKey, valid.key, s),
          mustDeny: () => false,
        },
        { name: 'valid grpc A', send: (s) => viaGrpc(authz, valid.key, s), mustDeny: () => false },
        refused('revoked nginx B', (s) => viaNginx(b.url, revoked.key, s)),
        refused('revoked grpc A', (s) => viaGrpc(authz, revoked.key, s)),
        refused('disabled user nginx B', (s) => viaNginx(b.url, disabled.key, s)),
        refused('unknown nginx A', (s) => viaNginx(a.url, unknown, s)),
        refused('fresh unknown json B', (s) =>
          viaJson(b.url, a.adminKey, generateKey().plaintext, s),
        ),
        {
          name: 'revoked during the outage, nginx B',
          send: (s) => viaNginx(b.url, revokedDuring.key, s),
          mustDeny: () => Date.now() >= revokedDuringAt,
        },
      ],
      8,
    );
    try {
      await run.runFor(400);

      run.phase = 'killing';
      await redis.kill();
      await eventually(5000, async () => (await readiness(a)) === 503);
      run.phase = 'during';
      await run.runFor(200);
      // A revocation while Redis is away, made on A, must hold on B at once.
      const revocation = await admin.post(`/v1/admin/keys/${revokedDuring.id}/revoke`);
      expect(revocation.status).toBe(200);
      revokedDuringAt = Date.now();
      await run.runFor(400);

      run.phase = 'restarting';
      await redis.restart();
      await eventually(10_000, async () => (await readiness(a)) === 200);
      await eventually(10_000, async () => (await readiness(b)) === 200);
      run.phase = 'after';
      await run.runFor(400);
    } finally {
      await run.stop();
    }
    console.log(`Redis killed under load:\n${run.report()}`);

    expect(run.wrongAllows).toEqual([]);
    for (const phase of ['before', 'during', 'after']) {
      const total = run.outcomes(phase);
      expect({ phase, errored: total.errored, unavailable: total.unavailable }).toEqual({
        phase,
        errored: 0,
        unavailable: 0,
      });
      for (const name of ['valid nginx A', 'valid nginx B', 'valid json B', 'valid grpc A']) {
        const counts = run.outcomes(phase, name);
        expect({ phase, name, allowed: counts.allowed > 0, denied: counts.denied }).toEqual({
          phase,
          name,
          allowed: true,
          denied: 0,
        });
      }
    }
    expect(run.details.during!['revoked nginx B']).toEqual({
      '401 revoked_key': run.outcomes('during', 'revoked nginx B').denied,
    });
    expect(run.outcomes('after', 'revoked during the outage, nginx B')).toMatchObject({
      allowed: 0,
    });

    // Caching resumed: a key used now is in the restarted (empty) Redis again ...
    const fresh = await createKey(admin, { username: 'alice' });
    expect((await viaNginx(a.url, fresh.key, AbortSignal.timeout(5000))).outcome).toBe('allowed');
    expect((await viaNginx(b.url, fresh.key, AbortSignal.timeout(5000))).outcome).toBe('allowed');
    expect(await cachedKeyIds(redis, a)).toContain(fresh.keyId);
    // ... and invalidation too: revoked on A, refused by B (which holds it in process) within 1 s.
    await admin.post(`/v1/admin/keys/${fresh.id}/revoke`);
    await eventually(
      1000,
      async () =>
        (await viaNginx(b.url, fresh.key, AbortSignal.timeout(5000))).outcome === 'denied',
      10,
    );
  });
});

async function readiness(app: TestApp): Promise<number> {
  return (await fetch(`${app.url}/readyz`)).status;
}

/** The key ids the shared tier holds (read straight from the private Redis). */
async function cachedKeyIds(redis: PrivateRedis, app: TestApp): Promise<string[]> {
  const { Redis } = await import('ioredis');
  const connection = new Redis(redis.url);
  try {
    const prefix = `${app.runtime.config.redisKeyPrefix}key:k:`;
    return (await connection.keys(`${prefix}*`)).map((name) => name.slice(prefix.length));
  } finally {
    connection.disconnect();
  }
}

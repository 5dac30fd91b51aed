import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/databases.js';
import { call, client } from '../support/http.js';
import { within } from '../support/ports.js';
import {
  redisServerAvailable,
  startRedis,
  startReplica,
  startSentinel,
  type OwnRedis,
} from '../support/redis-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MASTER = 'portcullis-test';

// Portcullis finds Redis through Sentinel (REDIS_SENTINELS) and follows a failover without a
// restart. Its own master, replica and sentinel run here; the shared Redis is never touched. Two
// instances share PostgreSQL when TEST_DATABASE_URL names one; on the embedded default, one.
(redisServerAvailable() || process.env.CI === 'true' ? describe : describe.skip)(
  'Redis through Sentinel',
  () => {
    const prefix = `test:sentinel:${randomBytes(4).toString('hex')}:`;
    let master: OwnRedis;
    let replica: OwnRedis;
    let sentinel: OwnRedis;
    let sentinelClient: Redis;
    let database: TestDatabase;
    let a: TestApp;
    let b: TestApp;
    let userId: string;

    beforeAll(async () => {
      master = await startRedis();
      replica = await startReplica(master.port);
      sentinel = await startSentinel(MASTER, master.port, replica.port);
      sentinelClient = new Redis(sentinel.port, '127.0.0.1');
      const env = {
        REDIS_URL: '',
        REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
        REDIS_SENTINEL_NAME: MASTER,
        REDIS_KEY_PREFIX: prefix,
      };
      if (TEST_DATABASE_URL) {
        database = await createTestDatabase();
        a = await startTestApp({ database, env });
        b = await startTestApp({ database, env });
      } else {
        a = await startTestApp({ env });
        b = a;
      }
      const admin = client(a.url, a.adminKey);
      userId = (await admin.post('/v1/admin/users', { body: { username: 'sentinel-user' } })).body
        .id;
    }, 120_000); // starting services is slow on a busy 2-core machine

    afterAll(async () => {
      if (b !== a) await b?.close();
      await a?.close();
      await database?.drop();
      sentinelClient?.disconnect();
      await Promise.all([sentinel, replica, master].map((server) => server?.stop()));
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
      ).body as { id: string; key: string };
    const decide = (instance: TestApp, key: string) =>
      call(instance.url, 'GET', '/v1/authz/nginx', {
        auth: key,
        headers: { 'x-original-uri': '/orders', 'x-original-method': 'GET' },
      }).then((reply) => reply.status);
    const masterPort = async () =>
      Number(
        ((await sentinelClient.call('SENTINEL', 'get-master-addr-by-name', MASTER)) as string[])[1],
      );
    const cachedEntries = async (port: number) => {
      const direct = new Redis(port, '127.0.0.1');
      try {
        return (await direct.keys(`${prefix}*`)).length;
      } finally {
        direct.disconnect();
      }
    };

    /** A key used on both instances, revoked on A, refused on B within a second. */
    async function revocationReachesB(): Promise<void> {
      const key = await newKey();
      expect(await decide(a, key.key)).toBe(200);
      expect(await decide(b, key.key)).toBe(200);
      expect((await client(a.url, a.adminKey).post(`/v1/admin/keys/${key.id}/revoke`)).status).toBe(
        200,
      );
      await within(1000, async () => (await decide(b, key.key)) === 401);
    }

    it('caches in, and invalidates through, the master that Sentinel names', async () => {
      expect(await masterPort()).toBe(master.port);
      await revocationReachesB();
      expect(await cachedEntries(master.port)).toBeGreaterThan(0);
      for (const instance of [a, b]) {
        const ready = await call(instance.url, 'GET', '/readyz');
        expect(ready.status).toBe(200);
      }
    });

    it('follows a failover to the replica without a restart', async () => {
      await sentinelClient.call('SENTINEL', 'failover', MASTER);
      await within(20_000, async () => (await masterPort()) === replica.port);
      // Cache fills land on the new master: the old one refuses writes now.
      const before = await cachedEntries(replica.port);
      await within(15_000, async () => {
        expect(await decide(a, (await newKey()).key)).toBe(200);
        return (await cachedEntries(replica.port)) > before;
      });
      // Subscriptions moved too: the next change reaches B again.
      await revocationReachesB();
    }, 45_000);
  },
);

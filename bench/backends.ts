// PostgreSQL and Redis for a benchmark or soak run: a database of the run's own (dropped at the
// end) and a Redis key prefix of its own (cleaned at the end), so runs never disturb each other or
// the tests. Either falls back to the embedded default when its server is not reachable.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Backends {
  databaseUrl?: string;
  redisUrl?: string;
  /** The environment that points a Portcullis instance at them (DATA_DIR when embedded). */
  env(dataDir: string): Record<string, string>;
  describe(): string;
  /** Drops the run's database and its Redis keys. */
  release(): Promise<void>;
}

export async function openBackends(runName: string): Promise<Backends> {
  const database = `portcullis_${runName}_${randomBytes(4).toString('hex')}`;
  const redisPrefix = `${runName}:${randomBytes(3).toString('hex')}:`;
  let databaseUrl: string | undefined;
  let redisUrl: string | undefined;
  try {
    const admin = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = new URL(DATABASE_URL);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
  } catch (error) {
    console.log(
      `PostgreSQL not reachable (${(error as Error).message}): using the embedded database`,
    );
  }
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
    redisUrl = REDIS_URL;
  } catch {
    console.log('Redis not reachable: using the in-process cache');
  }
  redis.disconnect();

  return {
    databaseUrl,
    redisUrl,
    env: (dataDir) => ({
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: dataDir }),
      ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisPrefix } : {}),
    }),
    describe: () =>
      `database ${databaseUrl ? 'PostgreSQL' : 'embedded PGlite'}, cache ${redisUrl ? 'Redis' : 'in-process'}`,
    release: async () => {
      if (databaseUrl) await dropDatabase(database);
      if (redisUrl) await dropKeys(redisPrefix);
    },
  };
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

async function dropKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}

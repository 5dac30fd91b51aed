// Scale: cold lookups (both cache tiers off) with 1,000 and with 1,000,000 keys in PostgreSQL, and
// the process's memory after a stream of distinct keys has passed through the in-process tier.
import { createHmac, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { InProcessBus } from '../../src/cache/in-process-store.js';
import { RedisStore } from '../../src/cache/redis-store.js';
import { loadConfig } from '../../src/config/app-config.js';
import { generateKey } from '../../src/keys/key-format.js';
import { KeyRecordCache } from '../../src/keys/key-record-cache.js';
import type { KeyRecord } from '../../src/keys/key-record.js';
import { createLogger } from '../../src/logging/logger.js';
import {
  adminApi,
  measure,
  rssMb,
  secondsSince,
  startPortcullis,
  stop,
  work,
  wrkLoad,
  type Measured,
} from '../harness.js';

export interface ScaleResult {
  small: Measured;
  large: Measured;
  largeCount: number;
  distinctKeys: number;
  rssAfterWarmUpMb: number;
  rssAfterDistinctMb: number;
  /** The highest RSS seen while they passed (sampled twice a second). */
  rssPeakDuringMb: number;
  localMaxEntries: number;
}

const SAMPLE = 2000;
const SCALE_USER = 'scale-user';

/**
 * Inserts `count` keys for one user in batches (hashed as Portcullis hashes them) and returns a
 * all of them, and a random sample of their plaintexts (for the cold lookups).
 */
async function insertKeys(
  client: pg.Client,
  secret: string,
  ownerId: string,
  count: number,
): Promise<{ sample: string[]; all: InsertedKey[] }> {
  const sample: string[] = [];
  const all: InsertedKey[] = [];
  const batchSize = 10_000;
  for (let done = 0; done < count; done += batchSize) {
    const n = Math.min(batchSize, count - done);
    const ids: string[] = [];
    const keyIds: string[] = [];
    const hashes: string[] = [];
    for (let i = 0; i < n; i++) {
      const key = generateKey();
      ids.push(randomUUID());
      keyIds.push(key.keyId);
      hashes.push(createHmac('sha256', secret).update(key.plaintext).digest('hex'));
      all.push({ plaintext: key.plaintext, id: ids[i]!, keyId: key.keyId, hash: hashes[i]! });
      // Reservoir sampling: every inserted key equally likely to be looked up.
      const seen = done + i;
      if (sample.length < SAMPLE) sample.push(key.plaintext);
      else if (Math.random() < SAMPLE / (seen + 1))
        sample[Math.floor(Math.random() * SAMPLE)] = key.plaintext;
    }
    await client.query(
      `INSERT INTO api_keys (id, key_id, hash, type, owner_id, name)
       SELECT id, key_id, hash, 'bearer', $4, 'scale'
         FROM unnest($1::uuid[], $2::varchar[], $3::char(64)[]) AS t(id, key_id, hash)`,
      [ids, keyIds, hashes, ownerId],
    );
  }
  await client.query('ANALYZE api_keys');
  return { sample, all };
}

/**
 * A key inserted above. Its record is made only when needed: a million records held at once
 * slowed this process's garbage collection to minutes.
 */
interface InsertedKey {
  plaintext: string;
  id: string;
  keyId: string;
  hash: string;
}

/** The record PostgreSQL holds for a key inserted above (see ApiKeyRepository.findRecordByHash). */
function recordOf({ id, keyId, hash }: InsertedKey, ownerId: string): KeyRecord {
  return {
    id,
    keyId,
    hash,
    type: 'bearer',
    createdAt: Date.now(),
    expiresAt: null,
    revokedAt: null,
    userId: ownerId,
    username: SCALE_USER,
    email: null,
    displayName: null,
    disabled: false,
    groups: [],
    allowedIps: [],
    scopes: [],
    routes: [],
    rateLimit: null,
    groupRateLimits: [],
  };
}

/**
 * Puts key records into the shared (Redis) tier through Portcullis's own cache class, as a first
 * lookup would, so that a million distinct keys can pass through a process in minutes instead of
 * a million PostgreSQL round trips.
 */
async function fillSharedTier(
  base: Record<string, string>,
  keys: InsertedKey[],
  ownerId: string,
): Promise<void> {
  const config = loadConfig({
    ...base,
    LOCAL_CACHE_MAX_ENTRIES: '0',
    SHARED_CACHE_TTL_SECONDS: '900',
    LOG_LEVEL: 'warn',
  });
  const store = new RedisStore(
    { url: config.redisUrl! },
    config.redisKeyPrefix,
    createLogger(config),
  );
  const cache = new KeyRecordCache(config, store, new InProcessBus());
  // The store fails commands fast while it connects (no offline queue): wait until it answers.
  await answered(() => store.ping());
  // A cache write is fire and forget, and a command that times out (500 ms; a pause of this
  // process is enough) drops the connection with the writes in flight: read every key back
  // and write the missing ones again.
  let missing = keys;
  for (let pass = 1; missing.length > 0; pass++) {
    if (pass > 5) throw new Error(`${missing.length} keys could not be put in the shared tier`);
    for (let i = 0; i < missing.length; i += 1000) {
      for (const key of missing.slice(i, i + 1000)) cache.set(recordOf(key, ownerId));
      // One connection answers in order: when PING returns, the batch is written.
      await answered(() => store.ping());
    }
    missing = await notShared(cache, missing);
    if (missing.length > 0)
      console.log(`  ${missing.length} records lost on the way: written again`);
  }
  await store.close();
}

/** The keys whose records the shared tier does not hold (a failed read counts as not held). */
async function notShared(cache: KeyRecordCache, keys: InsertedKey[]): Promise<InsertedKey[]> {
  const missing: InsertedKey[] = [];
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const found = await Promise.all(
      batch.map(async (key) => (await cache.getShared(key.keyId, key.hash)).found),
    );
    batch.forEach((key, j) => {
      if (typeof found[j] !== 'object') missing.push(key);
    });
  }
  return missing;
}

/** Retries until the command is answered (it fails while connecting or behind a long queue). */
async function answered(command: () => Promise<unknown>): Promise<void> {
  for (;;) {
    try {
      await command();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function scaleScenario(options: {
  base: Record<string, string>;
  databaseUrl: string;
  secret: string;
  adminKey: string;
  largeCount: number;
  distinctKeys: number;
}): Promise<ScaleResult> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const cold = { ...options.base, LOCAL_CACHE_MAX_ENTRIES: '0', SHARED_CACHE_TTL_SECONDS: '0' };
  let portcullis = await startPortcullis(cold);
  const api = adminApi(portcullis.url, options.adminKey);
  const owner = await api<{ id: string }>('POST', '/v1/admin/users', { username: SCALE_USER });

  const nginx = `${portcullis.url}/v1/authz/nginx`;
  const original = { 'X-Original-URI': '/orders/42', 'X-Original-Method': 'GET' };
  const target = (keysFile: string) => ({
    url: nginx,
    headers: original,
    status: 200,
    keysFile,
    servers: [portcullis.pid],
  });

  console.log('Scale: 1,000 keys');
  const first = await insertKeys(client, options.secret, owner.id, 1000);
  const smallFile = join(work, 'keys-small.txt');
  writeFileSync(smallFile, first.sample.join('\n') + '\n');
  // Both figures are ratios to the same 1,000-key run, so the second is the growth.
  const small = await measure(target(smallFile), target(smallFile));

  console.log(`Scale: inserting ${options.largeCount.toLocaleString('en')} keys`);
  let phase = Date.now();
  const rest = await insertKeys(client, options.secret, owner.id, options.largeCount - 1000);
  console.log(`  inserted in ${secondsSince(phase)} s`);
  const largeFile = join(work, 'keys-large.txt');
  writeFileSync(largeFile, rest.sample.join('\n') + '\n');
  const large = await measure(target(largeFile), target(smallFile));
  await stop(portcullis.child);

  // Distinct keys through the in-process tier: each one a first sight for this process, found
  // in the shared tier (filled beforehand) and kept in the bounded in-process tier.
  const localMaxEntries = 50_000;
  const distinct = [...first.all, ...rest.all].slice(0, options.distinctKeys);
  console.log(`Scale: ${distinct.length.toLocaleString('en')} distinct keys through one process`);
  phase = Date.now();
  await fillSharedTier(options.base, distinct, owner.id);
  console.log(`  shared tier filled in ${secondsSince(phase)} s`);
  phase = Date.now();
  portcullis = await startPortcullis({
    ...options.base,
    LOCAL_CACHE_MAX_ENTRIES: String(localMaxEntries),
    SHARED_CACHE_TTL_SECONDS: '900',
  });
  const endpoint = `${portcullis.url}/v1/authz/nginx`;
  // Warmed up with a key outside the distinct set, so that each of those is still a first sight.
  const warmUpFile = join(work, 'keys-warm-up.txt');
  writeFileSync(warmUpFile, options.adminKey + '\n');
  await wrkLoad({ ...target(warmUpFile), url: endpoint }, 2);
  const rssAfterWarmUpMb = rssMb(portcullis.pid);
  // wrk starts its list afresh on each run: each run gets the keys not sent yet.
  const distinctFile = join(work, 'keys-distinct.txt');
  let rssPeakDuringMb = 0;
  let samples = 0;
  const sampler = setInterval(() => {
    const rss = rssMb(portcullis.pid);
    rssPeakDuringMb = Math.max(rssPeakDuringMb, rss);
    if (++samples % 10 === 0) console.log(`  RSS ${rss} MB (highest so far ${rssPeakDuringMb} MB)`);
  }, 500);
  for (let sent = 0; sent < distinct.length;) {
    writeFileSync(
      distinctFile,
      distinct
        .slice(sent)
        .map((key) => key.plaintext)
        .join('\n') + '\n',
    );
    const run = await wrkLoad({ ...target(distinctFile), url: endpoint }, 15);
    sent += Math.round(run.requestsPerSecond * 15);
  }
  clearInterval(sampler);
  const rssAfterDistinctMb = rssMb(portcullis.pid);
  console.log(`  keys sent in ${secondsSince(phase)} s`);
  await stop(portcullis.child);
  await client.end();
  return {
    small,
    large,
    largeCount: options.largeCount,
    distinctKeys: distinct.length,
    rssAfterWarmUpMb,
    rssAfterDistinctMb,
    rssPeakDuringMb,
    localMaxEntries,
  };
}

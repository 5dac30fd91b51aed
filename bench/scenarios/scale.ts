// Scale: cold lookups (both cache tiers off) with 1,000 and with 1,000,000 keys in PostgreSQL, and
// the process's memory after a stream of distinct keys has passed through the in-process tier.
import { createHmac, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { generateKey } from '../../src/keys/key-format.js';
import {
  adminApi,
  measure,
  rssMb,
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
  localMaxEntries: number;
}

const SAMPLE = 2000;

/**
 * Inserts `count` keys for one user in batches (hashed as Portcullis hashes them) and returns a
 * random sample of their plaintexts, plus all of them when `keepAll` (for the distinct-keys run).
 */
async function insertKeys(
  client: pg.Client,
  secret: string,
  ownerId: string,
  count: number,
  keepAll: boolean,
): Promise<{ sample: string[]; all: string[] }> {
  const sample: string[] = [];
  const all: string[] = [];
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
      if (keepAll) all.push(key.plaintext);
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
  const owner = await api<{ id: string }>('POST', '/v1/admin/users', { username: 'scale-user' });

  const nginx = `${portcullis.url}/v1/authz/nginx`;
  const original = { 'X-Original-URI': '/orders/42', 'X-Original-Method': 'GET' };
  const target = (keysFile: string) => ({ url: nginx, headers: original, status: 200, keysFile });

  console.log('Scale: 1,000 keys');
  const first = await insertKeys(client, options.secret, owner.id, 1000, false);
  const smallFile = join(work, 'keys-small.txt');
  writeFileSync(smallFile, first.sample.join('\n') + '\n');
  // Both figures are ratios to the same 1,000-key run, so the second is the growth.
  const small = await measure(target(smallFile), target(smallFile));

  console.log(`Scale: inserting ${options.largeCount.toLocaleString('en')} keys`);
  const rest = await insertKeys(client, options.secret, owner.id, options.largeCount - 1000, true);
  const largeFile = join(work, 'keys-large.txt');
  writeFileSync(largeFile, rest.sample.join('\n') + '\n');
  const large = await measure(target(largeFile), target(smallFile));
  await stop(portcullis.child);

  // Distinct keys through the in-process tier (the shared tier off: this is about one process).
  const localMaxEntries = 50_000;
  portcullis = await startPortcullis({
    ...options.base,
    LOCAL_CACHE_MAX_ENTRIES: String(localMaxEntries),
    SHARED_CACHE_TTL_SECONDS: '0',
  });
  const distinct = rest.all.slice(0, options.distinctKeys);
  await wrkLoad({ ...target(smallFile), url: `${portcullis.url}/v1/authz/nginx` }, 2);
  const rssAfterWarmUpMb = rssMb(portcullis.child.pid);
  console.log(`Scale: ${distinct.length.toLocaleString('en')} distinct keys through one process`);
  // wrk starts its list afresh on each run: each run gets the keys not sent yet.
  const distinctFile = join(work, 'keys-distinct.txt');
  for (let sent = 0; sent < distinct.length;) {
    writeFileSync(distinctFile, distinct.slice(sent).join('\n') + '\n');
    const run = await wrkLoad(
      { ...target(distinctFile), url: `${portcullis.url}/v1/authz/nginx` },
      10,
    );
    sent += Math.round(run.requestsPerSecond * 10);
  }
  const rssAfterDistinctMb = rssMb(portcullis.child.pid);
  await stop(portcullis.child);
  await client.end();
  return {
    small,
    large,
    largeCount: options.largeCount,
    distinctKeys: distinct.length,
    rssAfterWarmUpMb,
    rssAfterDistinctMb,
    localMaxEntries,
  };
}

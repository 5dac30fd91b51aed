// npm run bench: Portcullis's decision endpoints beside the floor (a bare node:http server), on
// this machine, with every figure also given as a ratio to the floor measured in the same run.
// Loopback only; bounded in time (BENCH_SECONDS per counted run, 3 runs, 2 s warm-up each).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { generateKey } from '../src/keys/key-format.js';
import { ensureWrk, runLoad, type LoadResult } from './load.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RUNS = 3;
const WARMUP_SECONDS = 2;
const CONNECTIONS = 50;
const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const work = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));

interface Measured {
  runs: LoadResult[];
  /** The floor, measured right before each counted run: the machine is shared and noisy. */
  floorRuns: LoadResult[];
  peakRssMb?: number;
}

interface Scenario {
  name: string;
  result: Measured;
}

let floorUrl = '';

async function main(): Promise<void> {
  if (!ensureWrk()) throw new Error('wrk is needed: apt-get install -y wrk');
  const backends = await chooseBackends();
  console.log(
    `Backends: database ${backends.databaseUrl ? 'PostgreSQL' : 'embedded PGlite'}, cache ${backends.redisUrl ? 'Redis' : 'in-process'}`,
  );
  const secret = randomBytes(32).toString('base64url');
  const admin = generateKey().plaintext;
  const scenarios: Scenario[] = [];

  const floor = await startFloor();
  floorUrl = `http://127.0.0.1:${floor.port}/`;
  scenarios.push({ name: 'floor: bare node:http', result: await measure(floorUrl, {}, 200) });

  const base = {
    PORTCULLIS_SECRET: secret,
    PORTCULLIS_BOOTSTRAP_ADMIN: 'bench-admin',
    PORTCULLIS_BOOTSTRAP_ADMIN_KEY: admin,
    GRPC_PORT: 'off',
    ...(backends.databaseUrl
      ? { DATABASE_URL: backends.databaseUrl }
      : { DATA_DIR: join(work, 'data') }),
    ...(backends.redisUrl
      ? {
          REDIS_URL: backends.redisUrl,
          REDIS_KEY_PREFIX: `bench:${randomBytes(3).toString('hex')}:`,
        }
      : {}),
  };

  // Keys are made once, by the first instance; later instances share the database.
  let portcullis = await startPortcullis(base);
  const valid = await createKey(portcullis.url, admin);
  const unknown = generateKey().plaintext;
  const malformed = valid.slice(0, -1) + (valid.endsWith('a') ? 'b' : 'a');
  const nginx = `${portcullis.url}/v1/authz/nginx`;
  const original = { 'X-Original-URI': '/orders/42?expand=items', 'X-Original-Method': 'GET' };
  const bearer = (key: string) => ({ ...original, Authorization: `Bearer ${key}` });

  scenarios.push({
    name: 'nginx endpoint, valid key, in-process cache hit',
    result: await measure(nginx, bearer(valid), 200),
  });
  scenarios.push({
    name: 'nginx endpoint, unknown key (negative cache)',
    result: await measure(nginx, bearer(unknown), 401),
  });
  scenarios.push({
    name: 'nginx endpoint, malformed key (checksum)',
    result: await measure(nginx, bearer(malformed), 401),
  });
  const rss = peakRssMb(portcullis.child);
  scenarios.slice(-3).forEach((s) => (s.result.peakRssMb = rss));
  await stop(portcullis.child);

  if (backends.redisUrl) {
    portcullis = await startPortcullis({ ...base, LOCAL_CACHE_MAX_ENTRIES: '0' });
    scenarios.push({
      name: 'nginx endpoint, valid key, in-process tier off (Redis hit)',
      result: await measure(`${portcullis.url}/v1/authz/nginx`, bearer(valid), 200),
    });
    scenarios.at(-1)!.result.peakRssMb = peakRssMb(portcullis.child);
    await stop(portcullis.child);
  }

  portcullis = await startPortcullis({
    ...base,
    LOCAL_CACHE_MAX_ENTRIES: '0',
    SHARED_CACHE_TTL_SECONDS: '0',
  });
  scenarios.push({
    name: `nginx endpoint, valid key, no cache (${backends.databaseUrl ? 'PostgreSQL' : 'PGlite'} lookup)`,
    result: await measure(`${portcullis.url}/v1/authz/nginx`, bearer(valid), 200),
  });
  scenarios.at(-1)!.result.peakRssMb = peakRssMb(portcullis.child);
  await stop(portcullis.child);

  floor.child.kill();
  report(scenarios, backends);
  rmSync(work, { recursive: true, force: true });
}

async function chooseBackends(): Promise<{ databaseUrl?: string; redisUrl?: string }> {
  const found: { databaseUrl?: string; redisUrl?: string } = {};
  try {
    const admin = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
    await admin.connect();
    await admin.query('DROP DATABASE IF EXISTS portcullis_bench WITH (FORCE)');
    await admin.query('CREATE DATABASE portcullis_bench');
    await admin.end();
    const url = new URL(DATABASE_URL);
    url.pathname = '/portcullis_bench';
    found.databaseUrl = url.toString();
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
    found.redisUrl = REDIS_URL;
  } catch {
    console.log('Redis not reachable: using the in-process cache');
  }
  redis.disconnect();
  return found;
}

/** Warm-up, then RUNS counted runs, each right after a run of the floor (a ratio per pair). */
async function measure(
  url: string,
  headers: Record<string, string>,
  expectStatus: number,
): Promise<Measured> {
  const script = join(work, 'status.lua');
  const load = (target: string, h: Record<string, string>, status: number, seconds: number) =>
    runLoad(
      { url: target, headers: h, seconds, connections: CONNECTIONS, expectStatus: status },
      script,
    );
  await load(url, headers, expectStatus, WARMUP_SECONDS);
  const runs: LoadResult[] = [];
  const floorRuns: LoadResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    floorRuns.push(await load(floorUrl, {}, 200, SECONDS));
    runs.push(await load(url, headers, expectStatus, SECONDS));
  }
  const ratio = median(runs.map((r, i) => r.requestsPerSecond / floorRuns[i]!.requestsPerSecond));
  console.log(
    `  ${url.replace(/^http:\/\/127\.0\.0\.1:\d+/, '')} expecting ${expectStatus}: ratio to floor ${ratio.toFixed(2)}`,
  );
  return { runs, floorRuns };
}

async function startFloor(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = fork(join(import.meta.dirname, 'floor-server.js'), [String(port)], {
    stdio: 'ignore',
  });
  await new Promise((resolve) => child.once('message', resolve));
  return { child, port };
}

async function startPortcullis(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  mkdirSync(join(work, 'data'), { recursive: true });
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error('Portcullis did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url };
}

async function createKey(url: string, admin: string): Promise<string> {
  const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
  await fetch(`${url}/v1/admin/users`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ username: 'bench-user' }),
  });
  const key = await fetch(`${url}/v1/admin/keys`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      username: 'bench-user',
      name: 'bench',
      type: 'bearer',
      expiresIn: 'never',
    }),
  });
  const body = (await key.json()) as { key?: string };
  if (!body.key) throw new Error(`Could not create a key: ${JSON.stringify(body)}`);
  return body.key;
}

function peakRssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function report(
  scenarios: Scenario[],
  backends: { databaseUrl?: string; redisUrl?: string },
): void {
  const rows = scenarios.map(({ name, result }) => {
    const rps = result.runs.map((r) => r.requestsPerSecond);
    const med = median(rps);
    const ratio = median(
      result.runs.map((r, i) => r.requestsPerSecond / result.floorRuns[i]!.requestsPerSecond),
    );
    const p50 = median(result.runs.map((r) => r.p50Ms));
    const p99 = median(result.runs.map((r) => r.p99Ms));
    const unexpected = result.runs.reduce((n, r) => n + r.unexpected, 0);
    return `| ${name} | ${Math.round(med)} (${Math.round(Math.min(...rps))}–${Math.round(Math.max(...rps))}) | ${ratio.toFixed(2)} | ${p50.toFixed(2)} | ${p99.toFixed(2)} | ${unexpected} | ${result.peakRssMb ?? '–'} |`;
  });
  const table = [
    '| scenario | req/s median (min–max) | ratio to floor (median of paired runs) | p50 ms | p99 ms | unexpected responses | peak RSS MB |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  const context =
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ` +
    `Node ${process.version}; wrk, 1 thread, ${CONNECTIONS} connections, ${RUNS} runs of ${SECONDS} s after a ${WARMUP_SECONDS} s warm-up; ` +
    `database ${backends.databaseUrl ? 'PostgreSQL' : 'embedded PGlite'}, cache ${backends.redisUrl ? 'Redis' : 'in-process'}; ` +
    'Portcullis with NODE_ENV=production and every decision logged (DECISION_LOG=all).';
  console.log(`\n${context}\n\n${table}\n`);
  const doc = join(process.cwd(), 'docs', 'benchmarks.md');
  const current = (() => {
    try {
      return readFileSync(doc, 'utf8');
    } catch {
      return '';
    }
  })();
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const block = `${start}\n${context}\n\n${table}\n${end}`;
  const updated =
    current.includes(start) && current.includes(end)
      ? current.replace(new RegExp(`${start}[\\s\\S]*${end}`), block)
      : `# Benchmarks\n\n${block}\n`;
  mkdirSync(join(process.cwd(), 'docs'), { recursive: true });
  writeFileSync(doc, updated);
  console.log(`Wrote ${doc}`);
}

await main();

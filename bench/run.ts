// npm run bench: Portcullis beside its baselines on this machine: the bare node:http floor, nginx
// with no auth, a bare gRPC server, and Apache mod_oauth2 as a peer. Every throughput figure is also
// a ratio to its baseline measured in the same minute (runs alternate). Loopback only; bounded in
// time (BENCH_SECONDS per counted run, BENCH_RUNS runs, 2 s warm-up each).
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { generateKey } from '../src/keys/key-format.js';
import { TestOidcProvider } from '../test/support/oidc-provider.js';
import {
  adminApi,
  createKey,
  measure,
  peakRssMb,
  registerTestProvider,
  secondsSince,
  startFloor,
  startPortcullis,
  stop,
  work,
  type ScenarioResult,
  type Target,
} from './harness.js';
import { openBackends } from './backends.js';
import { ensureWrk } from './load.js';
import { writeReport } from './report.js';
import { ensureApache, startApache } from './scenarios/apache.js';
import { closeGrpcClients, GRPC_OK, grpcLoad, startGrpcFloor } from './scenarios/grpc-load.js';
import { nginxAvailable, startNginx, startPlainNginx } from './scenarios/nginx.js';
import { quotaScenario } from './scenarios/quota.js';
import { revocationScenario, type RevocationResult } from './scenarios/revocation.js';
import { rulesScenario, type RulesResult } from './scenarios/rules.js';
import { scaleScenario, type ScaleResult } from './scenarios/scale.js';

const SCALE_KEYS = Number(process.env.BENCH_SCALE_KEYS ?? 1_000_000);
const DISTINCT_KEYS = Number(process.env.BENCH_DISTINCT_KEYS ?? SCALE_KEYS);
const REVOCATION_TRIALS = Number(process.env.BENCH_REVOCATION_TRIALS ?? 100);
/** BENCH_ONLY=scale,revocation runs only those groups (decision, providers, grpc, nginx, tiers, ...). */
const ONLY = process.env.BENCH_ONLY?.split(',');
const wants = (group: string) => ONLY === undefined || ONLY.includes(group);

async function main(): Promise<void> {
  const started = Date.now();
  if (!ensureWrk()) throw new Error('wrk is needed: apt-get install -y wrk');
  const backends = await openBackends('bench');
  console.log(`Backends: ${backends.describe()}`);
  const secret = randomBytes(32).toString('base64url');
  const adminKey = generateKey().plaintext;
  const results: ScenarioResult[] = [];
  const add = (name: string, baseline: string, result: ScenarioResult['result']) =>
    results.push({ name, baseline, result });

  const floor = await startFloor();
  const floorTarget: Target = { url: floor.url, status: 200, servers: [floor.pid] };
  const base: Record<string, string> = {
    PORTCULLIS_SECRET: secret,
    PORTCULLIS_BOOTSTRAP_ADMIN: 'bench-admin',
    PORTCULLIS_BOOTSTRAP_ADMIN_KEY: adminKey,
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    // The unknown- and malformed-key scenarios measure a flood of bad keys from one address, which
    // the failed-attempt limit would turn into rate_limited refusals after the 20th.
    FAILED_ATTEMPTS_PER_IP: '0',
    FAILED_ATTEMPTS_PER_KEY_ID: '0',
    ...backends.env(`${work}/data`),
  };

  // One instance for the in-process-hit scenarios; keys and the provider live in the database.
  const portcullis = await startPortcullis({ ...base, GRPC_PORT: 'auto' });
  const valid = (await createKey(portcullis.url, adminKey)).key;
  const unknown = generateKey().plaintext;
  const malformed = valid.slice(0, -1) + (valid.endsWith('a') ? 'b' : 'a');
  const nginxEndpoint = `${portcullis.url}/v1/authz/nginx`;
  const original = { 'X-Original-URI': '/orders/42?expand=items', 'X-Original-Method': 'GET' };
  const bearer = (credential: string) => ({ ...original, Authorization: `Bearer ${credential}` });
  const decision = (credential: string, status: number): Target => ({
    url: nginxEndpoint,
    headers: bearer(credential),
    status,
    servers: [portcullis.pid],
  });

  // A real OpenID provider on loopback, whose tokens map to bench-user.
  const idp = await TestOidcProvider.start({ accounts: { 'bench-user': {} } });
  await registerTestProvider(adminApi(portcullis.url, adminKey), idp, 'bench idp');
  const jwt = await idp.jwtAccessToken('bench-user', { lifetimeSeconds: 3600 });
  const opaque = await idp.opaqueAccessToken('bench-user', { lifetimeSeconds: 3600 });

  if (wants('decision')) {
    console.log('Decision endpoint');
    add(
      'nginx endpoint, valid key, in-process cache hit',
      'floor',
      await measure(decision(valid, 200), floorTarget),
    );
    add(
      'nginx endpoint, unknown key (negative cache)',
      'floor',
      await measure(decision(unknown, 401), floorTarget),
    );
    add(
      'nginx endpoint, malformed key (checksum)',
      'floor',
      await measure(decision(malformed, 401), floorTarget),
    );
  }
  if (wants('quota')) {
    console.log('Quotas');
    results.push(
      await quotaScenario({
        url: portcullis.url,
        adminKey,
        headers: original,
        servers: [portcullis.pid],
      }),
    );
  }
  let rules: RulesResult | undefined;
  if (wants('rules')) {
    console.log('Rules');
    rules = await rulesScenario({ url: portcullis.url, adminKey, target: decision(valid, 200) });
    results.push(rules.scenario);
  }
  if (wants('providers')) {
    console.log('Provider tokens');
    add(
      'nginx endpoint, provider JWT (cached JWKS)',
      'floor',
      await measure(decision(jwt, 200), floorTarget),
    );
    add(
      'nginx endpoint, opaque token (introspection, cached)',
      'floor',
      await measure(decision(opaque, 200), floorTarget),
    );
  }
  if (wants('grpc')) {
    console.log('gRPC ext_authz');
    const grpcFloor = await startGrpcFloor();
    add(
      'Envoy gRPC Check, valid key, in-process cache hit',
      'bare grpc-js server',
      await measure(
        {
          url: `grpc://127.0.0.1:${portcullis.grpcPort}`,
          headers: { authorization: `Bearer ${valid}` },
          status: GRPC_OK,
          servers: [portcullis.pid],
        },
        { url: grpcFloor.url, status: GRPC_OK, servers: [grpcFloor.pid] },
        grpcLoad,
      ),
    );
    grpcFloor.stop();
    closeGrpcClients();
  }
  if (wants('nginx') && nginxAvailable()) {
    console.log('End to end through nginx');
    const guarded = await startNginx(portcullis.port, floor.port);
    const plain = await startPlainNginx(floor.port);
    const guardedUrl = `http://127.0.0.1:${guarded.port}/orders/42`;
    const guardedServers = [guarded.pid, portcullis.pid, floor.pid];
    add(
      'nginx + Portcullis (auth_request) + upstream, valid key',
      'nginx + upstream, no auth',
      await measure(
        {
          url: guardedUrl,
          headers: { Authorization: `Bearer ${valid}` },
          status: 200,
          servers: guardedServers,
        },
        { url: plain.url, status: 200, servers: [plain.pid, floor.pid] },
      ),
    );
    if (ensureApache()) {
      const publicJwk = publicPart(idp.currentSigningKey().privateJwk);
      const apache = await startApache(publicJwk, floor.port);
      add(
        'nginx + Portcullis + upstream, provider JWT',
        'Apache mod_oauth2 + upstream, same JWT',
        await measure(
          {
            url: guardedUrl,
            headers: { Authorization: `Bearer ${jwt}` },
            status: 200,
            servers: guardedServers,
          },
          {
            url: apache.url,
            headers: { Authorization: `Bearer ${jwt}` },
            status: 200,
            servers: [apache.pid, floor.pid],
          },
        ),
      );
      await apache.stop();
    } else {
      console.log('Apache mod_oauth2 could not be installed: peer scenario skipped');
    }
    await Promise.all([guarded.stop(), plain.stop()]);
  } else if (wants('nginx')) {
    console.log('nginx with auth_request is not installed: end-to-end scenarios skipped');
  }
  const rss = peakRssMb(portcullis.pid);
  results.forEach((r) => (r.result.peakRssMb = rss));
  await stop(portcullis.child);
  await idp.stop();

  if (wants('tiers')) {
    console.log('Cache tiers off');
    if (backends.redisUrl) {
      const redisOnly = await startPortcullis({
        ...base,
        GRPC_PORT: 'off',
        LOCAL_CACHE_MAX_ENTRIES: '0',
      });
      add(
        'nginx endpoint, valid key, in-process tier off (Redis hit)',
        'floor',
        await measure(
          {
            ...decision(valid, 200),
            url: `${redisOnly.url}/v1/authz/nginx`,
            servers: [redisOnly.pid],
          },
          floorTarget,
        ),
      );
      results.at(-1)!.result.peakRssMb = peakRssMb(redisOnly.pid);
      await stop(redisOnly.child);
    }
    const uncached = await startPortcullis({
      ...base,
      GRPC_PORT: 'off',
      LOCAL_CACHE_MAX_ENTRIES: '0',
      SHARED_CACHE_TTL_SECONDS: '0',
    });
    add(
      `nginx endpoint, valid key, no cache (${backends.databaseUrl ? 'PostgreSQL' : 'PGlite'} lookup)`,
      'floor',
      await measure(
        { ...decision(valid, 200), url: `${uncached.url}/v1/authz/nginx`, servers: [uncached.pid] },
        floorTarget,
      ),
    );
    results.at(-1)!.result.peakRssMb = peakRssMb(uncached.pid);
    await stop(uncached.child);
  }
  let revocation: RevocationResult | undefined;
  let scale: ScaleResult | undefined;
  if (wants('revocation') && backends.databaseUrl && backends.redisUrl) {
    console.log('Revocation across two instances');
    revocation = await revocationScenario({
      base: { ...base, GRPC_PORT: 'off' },
      adminKey,
      trials: REVOCATION_TRIALS,
    });
  }
  if (wants('scale') && backends.databaseUrl && backends.redisUrl) {
    scale = await scaleScenario({
      base: { ...base, GRPC_PORT: 'off' },
      databaseUrl: backends.databaseUrl,
      secret,
      adminKey,
      largeCount: SCALE_KEYS,
      distinctKeys: DISTINCT_KEYS,
    });
  }

  floor.child.kill();
  const cleanup = Date.now();
  await backends.release();
  console.log(`Dropped the run's database and Redis keys in ${secondsSince(cleanup)} s`);
  writeReport({
    results,
    revocation,
    scale,
    rulesCompileMs: rules?.compileMs,
    backends,
    seconds: (Date.now() - started) / 1000,
  });
  rmSync(work, { recursive: true, force: true });
}

/** The public half of an RSA JWK. */
function publicPart(jwk: Record<string, unknown>): Record<string, unknown> {
  const { kty, n, e, kid, alg, use } = jwk;
  return { kty, n, e, kid, alg, use };
}

await main();

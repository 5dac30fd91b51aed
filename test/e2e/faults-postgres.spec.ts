import { generateKey } from '../../src/keys/key-format.js';
import { createKey, createUser, eventually, type AdminClient } from '../support/decisions.js';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../support/databases.js';
import { FaultProxy, type CutMode } from '../support/fault-proxy.js';
import { checkClient, type CheckClient } from '../support/grpc.js';
import { client } from '../support/http.js';
import { LoadRun, viaGrpc, viaJson, viaNginx, type Scenario } from '../support/load.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const once = (url: string, key: string) => viaNginx(url, key, AbortSignal.timeout(15_000));

// PostgreSQL unreachable in the middle of a load run, then back. The shared server is never
// touched: the service reaches a cloned test database through a TCP proxy that the test cuts
// (connections reset and refused, or left silent) and restores. Needs TEST_DATABASE_URL; the
// embedded database runs in the service's own process and cannot fail apart from it.
(TEST_DATABASE_URL ? describe : describe.skip)('PostgreSQL failing under load', () => {
  let database: TestDatabase;
  let proxy: FaultProxy;
  let service: TestApp;
  let admin: AdminClient;
  let authz: CheckClient;

  async function start(env: Record<string, string> = {}): Promise<void> {
    database = await createTestDatabase();
    // In front of the server TEST_DATABASE_URL names, wherever that is; the service is told the
    // proxy's address instead.
    const url = new URL(database.url!);
    proxy = await FaultProxy.start({
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(url.port || 5432),
    });
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    service = await startTestApp({
      database: { url: url.toString(), drop: async () => undefined },
      env: { GRPC_PORT: '0', DATABASE_POOL_SIZE: '4', ...env },
    });
    admin = client(service.url, service.adminKey);
    authz = checkClient(service);
  }

  afterEach(async () => {
    authz?.close();
    proxy?.restore();
    await service?.close();
    await proxy?.close();
    await database?.drop();
  });

  async function outageUnderLoad(mode: CutMode): Promise<LoadRun> {
    const { url, adminKey } = service;
    await createUser(admin, 'alice');
    const malloryId = await createUser(admin, 'mallory');
    const valid = await createKey(admin, { username: 'alice' });
    const revoked = await createKey(admin, { username: 'alice' });
    const disabled = await createKey(admin, { username: 'mallory' });
    const unseen = await createKey(admin, { username: 'alice' });
    const unknown = generateKey().plaintext;
    // Seen (and cached) before anything changes or breaks.
    for (const key of [valid.key, revoked.key, disabled.key, unknown]) await once(url, key);
    await admin.post(`/v1/admin/keys/${revoked.id}/revoke`);
    await admin.patch(`/v1/admin/users/${malloryId}`, { body: { disabled: true } });

    const scenario = (
      name: string,
      send: Scenario['send'],
      mustDeny: boolean,
      phases?: string[],
    ): Scenario => ({ name, send, mustDeny: () => mustDeny, phases });
    const run = new LoadRun(
      [
        scenario('cached valid nginx', (s) => viaNginx(url, valid.key, s), false),
        scenario('cached valid json', (s) => viaJson(url, adminKey, valid.key, s), false),
        scenario('cached valid grpc', (s) => viaGrpc(authz, valid.key, s), false),
        scenario('just revoked nginx', (s) => viaNginx(url, revoked.key, s), true),
        scenario('just disabled user grpc', (s) => viaGrpc(authz, disabled.key, s), true),
        scenario('cached unknown nginx', (s) => viaNginx(url, unknown, s), true),
        scenario('made-up nginx', (s) => viaNginx(url, generateKey().plaintext, s), true),
        scenario('made-up json', (s) => viaJson(url, adminKey, generateKey().plaintext, s), true),
        scenario('made-up grpc', (s) => viaGrpc(authz, generateKey().plaintext, s), true),
        // First used while the database is away: not cached, so not decidable until it is back.
        scenario('uncached valid nginx', (s) => viaNginx(url, unseen.key, s), false, [
          'during',
          'after',
        ]),
      ],
      8,
    );
    try {
      await run.runFor(300);
      await run.enter('breaking');
      proxy.cut(mode);
      await run.enter('during');
      await run.runFor(mode === 'refuse' ? 400 : 60);
      await run.enter('restoring');
      proxy.restore();
      await eventually(15_000, async () => (await once(url, unseen.key)).outcome === 'allowed');
      await run.enter('after');
      await run.runFor(300);
    } finally {
      await run.stop();
    }
    return run;
  }

  const refusals = ['just revoked nginx', 'just disabled user grpc', 'cached unknown nginx'];

  function expectCachedDecideAndOthersUnavailable(run: LoadRun): void {
    expect(run.wrongAllows).toEqual([]);
    for (const phase of ['before', 'during', 'after']) {
      expect({ phase, errored: run.outcomes(phase).errored }).toEqual({ phase, errored: 0 });
      for (const name of ['cached valid nginx', 'cached valid json', 'cached valid grpc']) {
        const counts = run.outcomes(phase, name);
        expect({
          phase,
          name,
          allowed: counts.allowed > 0,
          other: counts.denied + counts.unavailable,
        }).toEqual({ phase, name, allowed: true, other: 0 });
      }
      // A key revoked (or whose owner was disabled) just before the outage is refused from the
      // cache too: the first lookup after the change was heard cached the new state (a fill
      // from a lookup that began before it is never kept). Never allowed, never unavailable.
      for (const name of refusals) {
        const counts = run.outcomes(phase, name);
        expect({
          phase,
          name,
          denied: counts.denied > 0,
          other: counts.allowed + counts.unavailable,
        }).toEqual({ phase, name, denied: true, other: 0 });
      }
    }
    // What was never seen cannot be decided while the database is away: refused, in each
    // interface's documented form.
    expect(Object.keys(run.details.during!['made-up nginx']!)).toEqual(['403 unavailable']);
    expect(Object.keys(run.details.during!['made-up json']!)).toEqual(['503 unavailable']);
    expect(Object.keys(run.details.during!['made-up grpc']!)).toEqual(['14 unavailable']);
    expect(Object.keys(run.details.during!['uncached valid nginx']!)).toEqual(['403 unavailable']);
    expect(Object.keys(run.details.before!['made-up json']!)).toEqual(['200 unknown_key']);
    expect(Object.keys(run.details.after!['made-up grpc']!)).toEqual(['16 unknown_key']);
    expect(run.outcomes('after', 'uncached valid nginx')).toMatchObject({
      denied: 0,
      unavailable: 0,
      errored: 0,
    });
  }

  it('reset and refused: cached identities still decide, the rest is refused as unavailable, and it recovers without a restart', async () => {
    await start();
    const run = await outageUnderLoad('refuse');
    console.log(`PostgreSQL refused under load:\n${run.report()}`);
    expectCachedDecideAndOthersUnavailable(run);
    // Recovered: the admin API works, and a key created now resolves at once.
    const fresh = await createKey(admin, { username: 'alice' });
    expect((await once(service.url, fresh.key)).outcome).toBe('allowed');
  }, 120_000);

  it('silent (connections open, nothing answers): no request hangs, and it recovers without a restart', async () => {
    // Queries and connection attempts give up after 1 s (5 s by default), to keep the test short.
    await start({ DATABASE_QUERY_TIMEOUT_MS: '1000' });
    const run = await outageUnderLoad('stall');
    console.log(`PostgreSQL silent under load:\n${run.report()}`);
    expectCachedDecideAndOthersUnavailable(run);
    const fresh = await createKey(admin, { username: 'alice' });
    expect((await once(service.url, fresh.key)).outcome).toBe('allowed');
  }, 120_000);
});

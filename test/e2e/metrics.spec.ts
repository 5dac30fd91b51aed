import { checkClient, type CheckClient } from '../support/grpc.js';
import { TestOidcProvider } from '../support/oidc-provider.js';
import {
  createKey,
  createUser,
  eventually,
  nginxCheck,
  type CreatedKey,
} from '../support/decisions.js';
import { call, client } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The value of the sample whose name and labels start as given, or undefined. */
function sample(text: string, prefix: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

// Prometheus metrics through the real interfaces: what the decisions, caches and invalidations
// did shows up at GET /metrics, in the text format, and never a credential.
describe('Prometheus metrics (/metrics)', () => {
  let service: TestApp;
  let key: CreatedKey;
  let grpc: CheckClient;

  beforeAll(async () => {
    service = await startTestApp({ env: { GRPC_PORT: '0', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' } });
    const admin = client(service.url, service.adminKey);
    await createUser(admin, 'mia');
    key = await createKey(admin, { username: 'mia' });
    grpc = checkClient(service);
  });
  afterAll(async () => {
    grpc?.close();
    await service?.close();
  });

  const scrape = async () => {
    const reply = await call(service.url, 'GET', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return reply.text;
  };

  it('counts decisions by interface, outcome and reason, with their latency', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await nginxCheck(service.url, { authorization: `Bearer ${key.key}` })).status).toBe(
        200,
      );
    }
    expect((await nginxCheck(service.url)).status).toBe(401);
    expect(
      (await call(service.url, 'GET', '/v1/authz/envoy/orders', { auth: 'pcl_nonsense' })).status,
    ).toBe(401);
    const denied = await new Promise<number>((resolve, reject) =>
      grpc.Check(
        { attributes: { request: { http: { method: 'GET', path: '/x', headers: {} } } } },
        (e, r) => (e ? reject(e) : resolve(r.status.code)),
      ),
    );
    expect(denied).not.toBe(0);

    const text = await scrape();
    expect(sample(text, 'portcullis_decisions_total{interface="nginx",outcome="allow"')).toBe(3);
    expect(
      sample(
        text,
        'portcullis_decisions_total{interface="nginx",outcome="deny",reason="missing_credential"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'portcullis_decisions_total{interface="envoy-http",outcome="deny",reason="malformed_credential"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'portcullis_decisions_total{interface="envoy-grpc",outcome="deny",reason="missing_credential"}',
      ),
    ).toBe(1);
    expect(sample(text, 'portcullis_decision_duration_seconds_count{interface="nginx"}')).toBe(4);
    // The first use of each key (the admin's, then mia's) went to the database; the next ones
    // were found in this process.
    expect(sample(text, 'portcullis_key_lookups_total{tier="database",result="hit"}')).toBe(2);
    expect(
      sample(text, 'portcullis_key_lookups_total{tier="local",result="hit"}'),
    ).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'portcullis_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).not.toContain(key.key);
  });

  it('measures how long invalidations take to be heard', async () => {
    const before = sample(await scrape(), 'portcullis_invalidation_lag_seconds_count') ?? 0;
    const doomed = await createKey(client(service.url, service.adminKey), { username: 'mia' });
    await client(service.url, service.adminKey).post(`/v1/admin/keys/${doomed.id}/revoke`);
    for (let i = 0; i < 50; i++) {
      if ((sample(await scrape(), 'portcullis_invalidation_lag_seconds_count') ?? 0) > before)
        return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the revocation was not counted as an invalidation heard');
  });

  it('serves a changed key from the caches again after one database lookup', async () => {
    const admin = client(service.url, service.adminKey);
    const changed = await createKey(admin, { username: 'mia' });
    const check = async () =>
      (await nginxCheck(service.url, { authorization: `Bearer ${changed.key}` })).status;
    expect(await check()).toBe(200);
    const heard = sample(await scrape(), 'portcullis_invalidation_lag_seconds_count') ?? 0;
    const patched = await admin.patch(`/v1/admin/keys/${changed.id}`, {
      body: { allowedIps: ['127.0.0.1/32', '::1/128'] },
    });
    expect(patched.status).toBe(200);
    await eventually(
      5000,
      async () =>
        (sample(await scrape(), 'portcullis_invalidation_lag_seconds_count') ?? 0) > heard,
    );
    const databaseHits = async () =>
      sample(await scrape(), 'portcullis_key_lookups_total{tier="database",result="hit"}') ?? 0;
    const before = await databaseHits();
    for (let i = 0; i < 10; i++) expect(await check()).toBe(200);
    // The first request after the change read the new record; the nine after it found it cached
    // (a fill is refused only when its lookup began before the change was heard).
    expect(await databaseHits()).toBe(before + 1);
  });

  it('times the calls made to identity providers', async () => {
    const idp = await TestOidcProvider.start({ accounts: { mia: {} } });
    try {
      const provider = await client(service.url, service.adminKey).post('/v1/admin/providers', {
        body: {
          name: 'metrics idp',
          preset: 'custom',
          issuer: idp.issuer,
          clientId: 'portcullis',
          clientSecret: 'portcullis-secret',
          validation: 'introspection',
          usernameAttribute: 'sub',
        },
      });
      expect(provider.status).toBe(201);
      const token = await idp.opaqueAccessToken('mia');
      expect((await nginxCheck(service.url, { authorization: `Bearer ${token}` })).status).toBe(
        200,
      );
      const text = await scrape();
      const id = provider.body.id as string;
      expect(
        sample(text, `portcullis_provider_requests_total{provider="${id}",outcome="answered"}`),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(text, `portcullis_provider_request_duration_seconds_count{provider="${id}"}`),
      ).toBeGreaterThanOrEqual(1);
      expect(text).not.toContain(token);
    } finally {
      await idp.stop();
    }
  });
});

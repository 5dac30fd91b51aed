import { createUser, nginxCheck } from '../support/decisions.js';
import { client } from '../support/http.js';
import { RESOURCE, TestOidcProvider } from '../support/oidc-provider.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Starting the service (the embedded database above all) is slow on a busy 2-core machine. */
const SLOW_START_MS = 120_000;

const TIMEOUT_MS = 300;
const THRESHOLD = 3;
const COOLDOWN_S = 2;

// An identity provider that answers slowly, with errors, or not at all: every call to it is
// bounded by OUTBOUND_TIMEOUT_MS, JWTs keep working from the signing keys already fetched,
// opaque tokens that cannot be checked are refused (never allowed), and after a few failures in
// a row the provider's circuit breaker stops asking it, until one probe per cooldown gets through.
describe('Identity provider slow, failing or unreachable', () => {
  let idp: TestOidcProvider;
  let service: TestApp;
  let admin: ReturnType<typeof client>;

  const decide = (token: string) =>
    fetch(`${service.url}/v1/decisions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${service.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ credential: token, path: '/orders' }),
      // Far less than a slow provider takes to answer: proves the timeout was honoured.
      signal: AbortSignal.timeout(1500),
    }).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as { allowed: boolean; reason: string },
    }));
  const introspections = () => idp.requests('/token/introspection');

  beforeAll(async () => {
    idp = await TestOidcProvider.start({
      accounts: { alice: { email: 'alice@example.com', preferred_username: 'alice' } },
    });
    service = await startTestApp({
      env: {
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        OUTBOUND_TIMEOUT_MS: String(TIMEOUT_MS),
        PROVIDER_BREAKER_FAILURES: String(THRESHOLD),
        PROVIDER_BREAKER_COOLDOWN_SECONDS: String(COOLDOWN_S),
      },
    });
    admin = client(service.url, service.adminKey);
    await createUser(admin, 'alice');
    const common = {
      preset: 'custom',
      issuer: idp.issuer,
      clientId: 'portcullis',
      clientSecret: 'portcullis-secret',
      usernameAttribute: 'sub',
    };
    for (const body of [
      { ...common, name: 'JWTs', validation: 'jwt', audience: RESOURCE, strictJwt: true },
      { ...common, name: 'Opaque', validation: 'introspection', position: 200 },
    ]) {
      const created = await admin.post('/v1/admin/providers', { body });
      expect(created.status).toBe(201);
    }
    // Both work, and the signing keys are fetched.
    expect((await decide(await idp.jwtAccessToken('alice'))).body.allowed).toBe(true);
    expect((await decide(await idp.opaqueAccessToken('alice'))).body.allowed).toBe(true);
  }, SLOW_START_MS);

  afterEach(() => {
    idp.slowDown(0);
    idp.failWith(0);
  });

  afterAll(async () => {
    await service?.close();
    await idp?.stop();
  });

  /** Waits out the cooldown, then until the breaker lets a working provider answer again. */
  async function waitForRecovery(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if ((await decide(await idp.opaqueAccessToken('alice'))).body.allowed) return;
      if (Date.now() > deadline) throw new Error('the provider was not asked again');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('slow beyond the timeout: refuses uncached opaque tokens at once, keeps accepting JWTs, opens the circuit after N timeouts', async () => {
    idp.slowDown(5000);
    const before = introspections();
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await decide(await idp.opaqueAccessToken('alice')));
    expect(answers.map((a) => `${a.status} ${a.body.reason}`)).toEqual(
      Array(10).fill('503 unavailable'),
    );
    // The provider was asked THRESHOLD times (each given up after the timeout), then not at all.
    expect(introspections() - before).toBe(THRESHOLD);
    const nginx = await nginxCheck(service.url, {
      authorization: `Bearer ${await idp.opaqueAccessToken('alice')}`,
    });
    expect([nginx.status, nginx.headers.get('x-auth-reason')]).toEqual([403, 'unavailable']);
    // A JWT never seen before is checked against the keys already held: no call needed.
    expect((await decide(await idp.jwtAccessToken('alice'))).body).toMatchObject({
      allowed: true,
    });

    // Still slow after the cooldown: one probe, which fails and opens the circuit again.
    await new Promise((resolve) => setTimeout(resolve, COOLDOWN_S * 1000 + 100));
    for (let i = 0; i < 5; i++) {
      expect((await decide(await idp.opaqueAccessToken('alice'))).status).toBe(503);
    }
    expect(introspections() - before).toBe(THRESHOLD + 1);

    idp.slowDown(0);
    await waitForRecovery();
    expect(introspections() - before).toBeLessThanOrEqual(THRESHOLD + 3);
    for (let i = 0; i < 3; i++) {
      expect((await decide(await idp.opaqueAccessToken('alice'))).body.allowed).toBe(true);
    }
  });

  it('answering 5xx: the same, and an answer about a token (even "not valid") is not a failure', async () => {
    // "Not valid" answers keep the circuit closed: bad tokens cannot switch a provider off.
    for (let i = 0; i < THRESHOLD + 2; i++) {
      expect((await decide(`not-a-token-${i}`)).body).toMatchObject({ allowed: false });
    }
    idp.failWith(502);
    const before = introspections();
    for (let i = 0; i < 8; i++) {
      expect((await decide(await idp.opaqueAccessToken('alice'))).body).toMatchObject({
        allowed: false,
        reason: 'unavailable',
      });
    }
    expect(introspections() - before).toBe(THRESHOLD);
    idp.failWith(0);
    await waitForRecovery();
  });

  it('unreachable: refuses uncached opaque tokens, accepts JWTs, and recovers when it returns', async () => {
    await idp.stop();
    try {
      for (let i = 0; i < THRESHOLD + 3; i++) {
        expect((await decide(await idp.opaqueAccessToken('alice'))).body).toMatchObject({
          allowed: false,
          reason: 'unavailable',
        });
      }
      expect((await decide(await idp.jwtAccessToken('alice'))).body.allowed).toBe(true);
    } finally {
      await idp.restart();
    }
    await waitForRecovery();
  });
});

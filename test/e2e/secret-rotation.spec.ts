import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import {
  basicAuth,
  createKey,
  createUser,
  nginxCheck,
  type CreatedKey,
} from '../support/decisions.js';
import { call, client } from '../support/http.js';
import { rememberSecret } from '../support/secret-ledger.js';
import { startTestApp, TEST_SECRET, type TestApp } from '../support/test-app.js';

const NEW_SECRET = 'rotated-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
// The scan knows the run's own server secret; this one must stay out of the logs as well.
rememberSecret(NEW_SECRET);

// Rotating PORTCULLIS_SECRET, as docs/secret-rotation.md describes: start every instance with the new secret and
// the old one as PORTCULLIS_PREVIOUS_SECRET; keys, introspection clients and provider secrets made
// under the old one keep working and are stored again under the new one as they are used; then
// drop the previous secret. One database across three service lifetimes (old, transition, new).
describe('Rotating the server secret', () => {
  let database: TestDatabase;
  let dataDir: string;
  let service: TestApp | undefined;
  let adminKey: string;
  let used: CreatedKey;
  let unused: CreatedKey;
  let client_: { clientId: string; clientSecret: string };
  let providerId: string;

  const start = (env: Record<string, string>) =>
    startTestApp({
      database,
      env: { DATA_DIR: dataDir, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', ...env },
    });
  const hashOf = async (keyId: string) =>
    (await service!.runtime.dataSource.query('SELECT hash FROM api_keys WHERE id = $1', [keyId]))[0]
      .hash as string;
  const sealedSecret = async () =>
    (
      await service!.runtime.dataSource.query(
        'SELECT client_secret_sealed AS sealed FROM providers WHERE id = $1',
        [providerId],
      )
    )[0].sealed as string;
  const introspect = (token: string) =>
    call(service!.url, 'POST', '/oauth2/introspect', {
      raw: new URLSearchParams({ token }).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(client_.clientId, client_.clientSecret),
      },
    });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'portcullis-rotation-'));
    const shared = await createTestDatabase();
    database = { url: shared.url, drop: shared.drop };
    // The old secret's lifetime: everything is made under TEST_SECRET.
    service = await start({});
    adminKey = service.adminKey;
    const admin = client(service.url, adminKey);
    await createUser(admin, 'rosa');
    used = await createKey(admin, { username: 'rosa' });
    unused = await createKey(admin, { username: 'rosa' });
    client_ = (await admin.post('/v1/admin/introspection-clients', { body: { name: 'gateway' } }))
      .body;
    providerId = (
      await admin.post('/v1/admin/providers', {
        body: {
          name: 'rotation idp',
          preset: 'custom',
          authorizationEndpoint: 'http://127.0.0.1:9/authorize',
          tokenEndpoint: 'http://127.0.0.1:9/token',
          userinfoEndpoint: 'http://127.0.0.1:9/userinfo',
          clientId: 'portcullis',
          clientSecret: 'provider-client-secret',
          validation: 'userinfo',
          usernameAttribute: 'preferred_username',
        },
      })
    ).body.id;
    expect(providerId).toBeDefined();
    await service.close();
    service = undefined;
  }, 120_000);

  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a previous secret equal to the new one', async () => {
    await expect(
      start({ PORTCULLIS_SECRET: TEST_SECRET, PORTCULLIS_PREVIOUS_SECRET: TEST_SECRET }),
    ).rejects.toThrow('PORTCULLIS_PREVIOUS_SECRET: must differ from PORTCULLIS_SECRET');
  }, 60_000);

  it('keeps old keys, clients and provider secrets working through the transition, then without it', async () => {
    // Transition: the new secret, and the old one as the previous.
    service = await start({
      PORTCULLIS_SECRET: NEW_SECRET,
      PORTCULLIS_PREVIOUS_SECRET: TEST_SECRET,
    });
    const sealedBefore = await sealedSecret();
    expect(() => new SecretBox(NEW_SECRET).open(sealedBefore, providerId)).not.toThrow();
    expect(() => new SecretBox(TEST_SECRET).open(sealedBefore, providerId)).toThrow();

    const hashBefore = await hashOf(used.id);
    expect((await nginxCheck(service.url, { authorization: `Bearer ${used.key}` })).status).toBe(
      200,
    );
    expect(await hashOf(used.id)).not.toBe(hashBefore);
    expect((await client(service.url, adminKey).get('/v1/admin/users')).status).toBe(200);
    const active = await introspect(used.key);
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({ active: true, username: 'rosa' });
    // A key made during the transition is stored under the new secret from the start.
    const fresh = await createKey(client(service.url, adminKey), { username: 'rosa' });
    await service.close();

    // After: the new secret alone. What was used in the transition works; what was not, does not.
    service = await start({ PORTCULLIS_SECRET: NEW_SECRET });
    expect((await nginxCheck(service.url, { authorization: `Bearer ${used.key}` })).status).toBe(
      200,
    );
    expect((await nginxCheck(service.url, { authorization: `Bearer ${fresh.key}` })).status).toBe(
      200,
    );
    expect((await client(service.url, adminKey).get('/v1/admin/users')).status).toBe(200);
    expect((await introspect(used.key)).body).toMatchObject({ active: true });
    const stale = await nginxCheck(service.url, { authorization: `Bearer ${unused.key}` });
    expect(stale.status).toBe(401);
    expect(stale.headers.get('x-auth-reason')).toBe('unknown_key');
  }, 120_000);
});

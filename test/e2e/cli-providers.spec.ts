import { jest } from '@jest/globals';
import { cliFor } from '../support/cli.js';
import { client } from '../support/http.js';
import { TestOidcProvider } from '../support/oidc-provider.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Each step starts a CLI process (or a service): on a busy 2-core machine that takes seconds.
jest.setTimeout(180_000);
describe('portcullis providers, against a real OpenID provider', () => {
  let idp: TestOidcProvider;
  let service: TestApp;
  let cli: ReturnType<typeof cliFor>;

  beforeAll(async () => {
    idp = await TestOidcProvider.start({
      accounts: { alice: { email: 'alice@example.com', preferred_username: 'alice' } },
    });
    service = await startTestApp({ env: { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' } });
    cli = cliFor(service.url, service.adminKey);
    const created = await client(service.url, service.adminKey).post('/v1/admin/providers', {
      body: {
        name: 'Test IdP',
        preset: 'custom',
        issuer: idp.issuer,
        clientId: 'portcullis',
        clientSecret: 'portcullis-secret',
        validation: 'userinfo',
        scope: 'openid email profile',
        usernameAttribute: 'sub',
      },
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await service?.close();
    await idp?.stop();
  });

  it('lists and shows providers, never their secret', async () => {
    const list = await cli(['providers', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      /^Test IdP\s+custom\s+yes\s+100\s+userinfo\s+sub\s+http:\/\/127\.0\.0\.1/m,
    );
    const shown = await cli(['providers', 'show', 'test idp']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(
      /^redirectUri:\s+http:\/\/.*\/v1\/providers\/[0-9a-f-]+\/callback$/m,
    );
    expect(shown.stdout).toMatch(/^hasClientSecret:\s+true$/m);
    expect(shown.stdout).not.toContain('portcullis-secret');
  });

  it('tests a pasted token (on standard input or with --token) and shows who it would be', async () => {
    const token = await idp.opaqueAccessToken('alice');
    const piped = await cli(['providers', 'test', 'Test IdP'], { input: `${token}\n` });
    expect({ code: piped.code, stderr: piped.stderr }).toEqual({ code: 0, stderr: '' });
    expect(piped.stdout).toContain('Test IdP maps users by sub: this token is "alice".');
    expect(piped.stdout).toMatch(/^email\s+alice@example\.com\s+userinfo$/m);

    const asJson = await cli(['providers', 'test', 'Test IdP', '--token', token, '--json']);
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      usernameAttribute: 'sub',
      usernameValue: 'alice',
    });

    const refused = await cli([
      'providers',
      'test',
      'Test IdP',
      '--token',
      'not-a-token-it-issued',
    ]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/\(400\)/);
  });
});

import { client, type Reply } from '../support/http.js';
import { logText } from '../support/decisions.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// The providers admin API, without an identity provider: presets, validation, the client
// secret's fate. (Discovery and tokens against a real provider: providers-oidc.spec.ts.)
describe('Identity providers: admin API', () => {
  let service: TestApp;
  let admin: ReturnType<typeof client>;
  const pointers = (reply: Reply) => reply.body.errors.map((e: { pointer: string }) => e.pointer);

  beforeAll(async () => {
    service = await startTestApp({ env: { PUBLIC_URL: 'https://auth.example.com/' } });
    admin = client(service.url, service.adminKey);
  });
  afterAll(async () => {
    await service?.close();
  });

  it('fills in a preset without discovery, and shows the redirect URI to register', async () => {
    const created = await admin.post('/v1/admin/providers', {
      body: {
        name: 'Keycloak',
        preset: 'keycloak',
        parameters: { baseUrl: 'https://sso.example.com', realm: 'acme' },
        discover: false,
        clientId: 'portcullis',
        clientSecret: 'very-secret-client-secret',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Keycloak',
      preset: 'keycloak',
      parameters: { baseUrl: 'https://sso.example.com', realm: 'acme' },
      issuer: 'https://sso.example.com/realms/acme',
      jwksUri: 'https://sso.example.com/realms/acme/protocol/openid-connect/certs',
      introspectionEndpoint:
        'https://sso.example.com/realms/acme/protocol/openid-connect/token/introspect',
      discovery: null,
      hasClientSecret: true,
      scope: 'openid profile email',
      validation: 'auto',
      usernameAttribute: 'preferred_username',
      matchBy: 'username',
      groupsMode: 'add',
      provisionUsers: false,
      enabled: true,
      redirectUri: `https://auth.example.com/v1/providers/${created.body.id}/callback`,
    });
    expect(created.text).not.toContain('very-secret-client-secret');
    const listed = await admin.get('/v1/admin/providers');
    expect(listed.body.items.map((p: { name: string }) => p.name)).toContain('Keycloak');
    expect(listed.text).not.toContain('very-secret-client-secret');

    const stored = await service.runtime.dataSource.query(
      'SELECT client_secret_sealed FROM providers WHERE id = $1',
      [created.body.id],
    );
    expect(stored[0].client_secret_sealed).toMatch(/^v1\./);
    expect(stored[0].client_secret_sealed).not.toContain('very-secret');

    const renamed = await admin.patch(`/v1/admin/providers/${created.body.id}`, {
      body: { name: 'Keycloak (acme)', clientSecret: null, validation: 'jwt' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Keycloak (acme)', hasClientSecret: false });

    const trail = await admin.get('/v1/admin/audit?action=provider.&limit=50');
    expect(trail.body.items.length).toBeGreaterThanOrEqual(2);
    expect(trail.text).not.toContain('very-secret-client-secret');
    expect(await logText(service)).not.toContain('very-secret-client-secret');

    expect((await admin.delete(`/v1/admin/providers/${created.body.id}`)).status).toBe(204);
    expect((await admin.get(`/v1/admin/providers/${created.body.id}`)).status).toBe(404);
  });

  it.each([
    [{ preset: 'azure' }, ['#/parameters/tenant']],
    [{ preset: 'keycloak', parameters: { realm: 'x' } }, ['#/parameters/baseUrl']],
    [
      { preset: 'cognito', parameters: { region: 'eu-west-1' } },
      ['#/parameters/userPoolId', '#/parameters/domain'],
    ],
    [{ preset: 'okta', parameters: { domain: 'not a host' } }, ['#/parameters/domain']],
    [{ preset: 'nope' }, ['#/preset']],
    [
      { preset: 'custom', userinfoEndpoint: 'http://idp.example.com/userinfo' },
      ['#/userinfoEndpoint'],
    ],
    [
      { preset: 'custom', jwksUri: 'https://169.254.169.254/keys', issuer: 'https://idp' },
      ['#/jwksUri'],
    ],
    [
      { preset: 'custom', jwksUri: 'https://[::127.0.0.1]/keys', issuer: 'https://idp' },
      ['#/jwksUri'],
    ],
    [
      { preset: 'custom', jwksUri: 'https://[64:ff9b::a9fe:a9fe]/keys', issuer: 'https://idp' },
      ['#/jwksUri'],
    ],
    [
      { preset: 'custom', jwksUri: 'https://[2002:7f00:1::]/keys', issuer: 'https://idp' },
      ['#/jwksUri'],
    ],
    [{ preset: 'custom' }, ['#/validation']],
    [{ preset: 'custom', validation: 'jwt', issuer: 'https://idp.example.com' }, ['#/jwksUri']],
    [
      {
        preset: 'custom',
        validation: 'introspection',
        introspectionEndpoint: 'https://idp.example.com/i',
      },
      ['#/clientSecret'],
    ],
    [{ preset: 'github', usernameAttribute: 'a..b' }, ['#/usernameAttribute']],
    [{ preset: 'github', unknown: 1 }, ['#/unknown']],
  ])('refuses %j with pointers', async (body, expected) => {
    const reply = await admin.post('/v1/admin/providers', {
      body: {
        name: `p-${Math.random().toString(36).slice(2, 8)}`,
        clientId: 'c',
        discover: false,
        ...body,
      },
    });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(pointers(reply)).toEqual(expected);
  });

  it('refuses a second provider of the same name (any case)', async () => {
    const body = { name: 'GitHub', preset: 'github', clientId: 'c' };
    expect((await admin.post('/v1/admin/providers', { body })).status).toBe(201);
    const again = await admin.post('/v1/admin/providers', { body: { ...body, name: 'github' } });
    expect(again.status).toBe(409);
  });

  it('explains a discovery that cannot be reached', async () => {
    const reply = await admin.post('/v1/admin/providers', {
      body: {
        name: 'Unreachable',
        preset: 'custom',
        issuer: 'https://127.0.0.1:9/',
        clientId: 'c',
      },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.detail).toContain('internal address');
  });

  it('is for admins only', async () => {
    const anonymous = client(service.url);
    expect((await anonymous.get('/v1/admin/providers')).status).toBe(401);
  });
});

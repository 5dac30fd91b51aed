import * as grpc from '@grpc/grpc-js';
import type { CheckResponse } from '../../src/adapters/envoy-grpc/envoy-proto.js';
import { createUser, nginxCheck, rawRequest, type AdminClient } from '../support/decisions.js';
import { checkClient, type CheckClient } from '../support/grpc.js';
import { call, client } from '../support/http.js';
import { RESOURCE, TestOidcProvider } from '../support/oidc-provider.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const CHALLENGE = 'Bearer realm="portcullis", error="insufficient_scope", scope="orders:write"';

// Scopes on keys and provider tokens, claim conditions, and keys limited to some routes, through
// the JSON API, the nginx endpoint, Envoy HTTP and gRPC, introspection and the admin API.
describe('Scopes, claims and key routes', () => {
  let service: TestApp;
  let admin: AdminClient;
  let idp: TestOidcProvider;
  let authz: CheckClient;
  const keys: Record<string, string> = {};
  const keyIds: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  const newKey = async (name: string, body: object) => {
    const created = await admin.post('/v1/admin/keys', {
      body: { username: 'alice', name, type: 'bearer', expiresIn: 'never', ...body },
    });
    expect(created.status).toBe(201);
    keys[name] = created.body.key;
    keyIds[name] = created.body.id;
    return created.body;
  };
  const decide = async (credential: string, path: string, method = 'GET') =>
    (await admin.post('/v1/decisions', { body: { method, path, credential } })).body;

  beforeAll(async () => {
    service = await startTestApp({ env: { GRPC_PORT: '0', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' } });
    admin = client(service.url, service.adminKey);
    idp = await TestOidcProvider.start({
      accounts: {
        tess: { amr: ['pwd', 'mfa'], perms: ['orders:write'], tid: 'corp' },
        uma: { amr: ['pwd'], tid: 'other' },
      },
    });
    for (const username of ['alice', 'tess', 'uma']) await createUser(admin, username);
    const provider = await admin.post('/v1/admin/providers', {
      body: {
        name: 'Corporate IdP',
        preset: 'custom',
        issuer: idp.issuer,
        clientId: 'portcullis',
        clientSecret: 'portcullis-secret',
        validation: 'jwt',
        audience: RESOURCE,
        usernameAttribute: 'sub',
      },
    });
    expect(provider.status).toBe(201);
    tokens.tess = await idp.jwtAccessToken('tess');
    tokens.uma = await idp.jwtAccessToken('uma');

    const created = await newKey('writer', { scopes: ['orders:write', 'orders:read'] });
    expect(created.scopes).toEqual(['orders:write', 'orders:read']);
    await newKey('reader', { scopes: ['orders:read'] });
    const partner = await newKey('partner', {
      routes: [{ methods: ['get', 'HEAD'], paths: ['/partners/**'] }],
    });
    expect(partner.routes).toEqual([{ methods: ['GET', 'HEAD'], paths: ['/partners/**'] }]);

    const current = await admin.get('/v1/admin/rules');
    const rules = await admin.put('/v1/admin/rules', {
      headers: { 'if-match': current.headers.get('etag')! },
      body: {
        rules: [
          {
            name: 'orders-write',
            match: { paths: ['/orders', '/orders/**'], methods: ['POST'] },
            effect: 'authenticated',
            require: [{ scopes: ['orders:write'] }],
          },
          {
            name: 'api-scope',
            match: { paths: ['/api/**'] },
            effect: 'authenticated',
            require: [{ scopes: ['api'] }],
          },
          {
            name: 'mfa-only',
            match: { paths: ['/payroll/**'] },
            effect: 'authenticated',
            require: [
              {
                claims: [
                  { claim: 'amr', contains: 'mfa' },
                  { claim: 'tid', oneOf: ['corp'] },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(rules.status).toBe(200);
    authz = checkClient(service);
  }, 120_000);
  afterAll(async () => {
    authz?.close();
    await idp?.stop();
    await service?.close();
  });

  describe('scopes', () => {
    it("lets a key through with the rule's scopes, and refuses one without, naming them", async () => {
      expect(await decide(keys.writer!, '/orders', 'POST')).toMatchObject({
        allowed: true,
        rule: 'orders-write',
        wwwAuthenticate: null,
      });
      expect(await decide(keys.reader!, '/orders', 'POST')).toMatchObject({
        allowed: false,
        status: 403,
        reason: 'insufficient_scope',
        rule: 'orders-write',
        wwwAuthenticate: CHALLENGE,
      });
    });

    it('says which scope is missing on the nginx endpoint, Envoy HTTP and Envoy gRPC', async () => {
      const nginx = await nginxCheck(service.url, {
        uri: '/orders',
        method: 'POST',
        authorization: `Bearer ${keys.reader}`,
      });
      expect(nginx.status).toBe(403);
      expect(nginx.headers.get('x-auth-reason')).toBe('insufficient_scope');
      expect(nginx.headers.get('www-authenticate')).toBe(CHALLENGE);
      expect(nginx.headers.get('x-auth-challenge')).toBe(CHALLENGE);

      const envoy = await rawRequest(service.url, 'POST', '/v1/authz/envoy/orders', {
        authorization: `Bearer ${keys.reader}`,
      });
      expect(envoy.status).toBe(403);
      expect(envoy.headers['www-authenticate']).toBe(CHALLENGE);

      const response = await new Promise<CheckResponse>((resolve, reject) =>
        authz.Check(
          {
            attributes: {
              request: {
                http: {
                  method: 'POST',
                  path: '/orders',
                  host: 'api.example',
                  headers: { authorization: `Bearer ${keys.reader}` },
                },
              },
            },
          },
          (error, answer) => (error ? reject(error) : resolve(answer)),
        ),
      );
      expect(response.status?.code).toBe(grpc.status.PERMISSION_DENIED);
      const headers = Object.fromEntries(
        (response.denied_response?.headers ?? []).map((h) => [h.header?.key, h.header?.value]),
      );
      expect(headers['www-authenticate']).toBe(CHALLENGE);
    });

    it("reads a provider token's scopes from `scope`, or from the claim the provider names", async () => {
      // oidc-provider's JWT access tokens carry scope "openid api".
      expect(await decide(tokens.tess!, '/api/x')).toMatchObject({
        allowed: true,
        rule: 'api-scope',
      });
      expect(await decide(tokens.tess!, '/orders', 'POST')).toMatchObject({
        reason: 'insufficient_scope',
      });
      const providers = await admin.get('/v1/admin/providers');
      const id = (providers.body.items as { id: string }[])[0]!.id;
      const changed = await admin.patch(`/v1/admin/providers/${id}`, {
        body: { scopeClaim: 'perms' },
      });
      expect(changed.status).toBe(200);
      expect(changed.body.scopeClaim).toBe('perms');
      try {
        expect(await decide(tokens.tess!, '/orders', 'POST')).toMatchObject({ allowed: true });
        expect(await decide(tokens.tess!, '/api/x')).toMatchObject({
          reason: 'insufficient_scope',
        });
      } finally {
        await admin.patch(`/v1/admin/providers/${id}`, { body: { scopeClaim: null } });
      }
    });

    it('returns the scopes of keys and tokens from introspection', async () => {
      const introspect = (token: string) =>
        call(service.url, 'POST', '/oauth2/introspect', {
          auth: service.adminKey,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          raw: new URLSearchParams({ token }).toString(),
        });
      expect((await introspect(keys.writer!)).body).toMatchObject({
        active: true,
        scope: 'orders:write orders:read',
      });
      expect((await introspect(keys.partner!)).body.scope).toBeUndefined();
      expect((await introspect(tokens.tess!)).body).toMatchObject({
        active: true,
        scope: 'openid api',
      });
    });
  });

  describe('claims', () => {
    it('lets a token through whose claims meet every condition, and refuses others and keys', async () => {
      expect(await decide(tokens.tess!, '/payroll/2026')).toMatchObject({
        allowed: true,
        rule: 'mfa-only',
      });
      expect(await decide(tokens.uma!, '/payroll/2026')).toMatchObject({
        status: 403,
        reason: 'claim_denied',
        rule: 'mfa-only',
      });
      expect(await decide(keys.writer!, '/payroll/2026')).toMatchObject({ reason: 'claim_denied' });
    });
  });

  describe('key routes', () => {
    it.each([
      ['GET', '/partners/acme/orders', true],
      ['HEAD', '/partners', true],
      ['POST', '/partners/acme/orders', false],
      ['GET', '/orders/1', false],
      ['GET', '/Partners/acme', false],
      ['GET', '/partners/../orders', false],
      ['GET', '/partners/%2e%2e/orders', false],
      ['GET', '/partners//acme', false],
      ['GET', '/partners/%ff', false],
    ])('%s %s: allowed %s', async (method, path, allowed) => {
      const answer = await decide(keys.partner!, path, method);
      expect({ allowed: answer.allowed, reason: answer.reason }).toEqual(
        allowed
          ? { allowed: true, reason: 'authenticated' }
          : { allowed: false, reason: expect.stringMatching(/^(route_denied|invalid_path)$/) },
      );
    });

    it('refuses elsewhere with 403 route_denied on the nginx endpoint too', async () => {
      const nginx = await nginxCheck(service.url, {
        uri: '/orders/1',
        authorization: `Bearer ${keys.partner}`,
      });
      expect([nginx.status, nginx.headers.get('x-auth-reason')]).toEqual([403, 'route_denied']);
    });

    it('keeps a key limited to routes out of the admin API', async () => {
      await admin.put(`/v1/admin/groups/${await adminGroupId()}/members/${await userId('alice')}`);
      try {
        const reply = await client(service.url, keys.partner).get('/v1/admin/rules');
        expect(reply.status).toBe(403);
        expect(reply.body.detail).toContain('limited to some routes');
        expect((await client(service.url, keys.writer).get('/v1/admin/rules')).status).toBe(200);
      } finally {
        await admin.delete(
          `/v1/admin/groups/${await adminGroupId()}/members/${await userId('alice')}`,
        );
      }
    });

    it('refuses to limit the last admin key to some routes (409)', async () => {
      const own = await admin.get(`/v1/admin/keys?userId=${service.adminUserId}`);
      const id = (own.body.items as { id: string }[])[0]!.id;
      const refused = await admin.patch(`/v1/admin/keys/${id}`, {
        body: { routes: [{ paths: ['/x'] }] },
      });
      expect(refused.status).toBe(409);
      expect(refused.body.type).toBe('urn:portcullis:problem:last-admin');
      expect((await admin.get('/v1/admin/rules')).status).toBe(200);
    });

    it('applies a change to a key at once', async () => {
      expect((await decide(keys.reader!, '/orders/1')).allowed).toBe(true);
      const limited = await admin.patch(`/v1/admin/keys/${keyIds.reader}`, {
        body: { routes: [{ paths: ['/reports/**'] }], scopes: ['orders:read', 'orders:write'] },
      });
      expect(limited.status).toBe(200);
      expect(await decide(keys.reader!, '/orders/1')).toMatchObject({ reason: 'route_denied' });
      expect((await decide(keys.reader!, '/reports/q3')).allowed).toBe(true);
      await admin.patch(`/v1/admin/keys/${keyIds.reader}`, {
        body: { routes: [], scopes: ['orders:read'] },
      });
      expect((await decide(keys.reader!, '/orders/1')).allowed).toBe(true);
    });
  });

  describe('self-service keys', () => {
    beforeAll(async () => {
      await admin.patch('/v1/admin/settings', { body: { allowSelfServiceKeys: true } });
    });
    afterAll(async () => {
      await admin.patch('/v1/admin/settings', { body: { allowSelfServiceKeys: false } });
    });
    const own = (credential: string, body: object) =>
      client(service.url, credential).post('/v1/me/keys', {
        body: {
          name: `own-${Math.random().toString(36).slice(2, 8)}`,
          type: 'bearer',
          expiresIn: '30 days',
          ...body,
        },
      });

    it('may narrow the scopes and routes of the key that makes them, never widen them', async () => {
      expect((await own(keys.writer!, { scopes: ['orders:read'] })).status).toBe(201);
      const wider = await own(keys.reader!, { scopes: ['orders:read', 'orders:write'] });
      expect(wider.status).toBe(400);
      expect(wider.body.errors).toEqual([
        {
          pointer: '#/scopes/1',
          detail: 'the credential you use does not carry the scope "orders:write"',
        },
      ]);

      const within = await own(keys.partner!, {
        routes: [{ methods: ['GET'], paths: ['/partners/acme/**'] }],
      });
      expect(within.status).toBe(201);
      expect(within.body.routes).toEqual([{ methods: ['GET'], paths: ['/partners/acme/**'] }]);
      const unlimited = await own(keys.partner!, {});
      expect(unlimited.status).toBe(400);
      expect(unlimited.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([
        '#/routes',
      ]);
      const beyond = await own(keys.partner!, {
        routes: [{ methods: ['POST'], paths: ['/partners/**'] }],
      });
      expect(beyond.status).toBe(400);
      const elsewhere = await own(keys.partner!, { routes: [{ paths: ['/orders/**'] }] });
      expect(elsewhere.status).toBe(400);
    });
  });

  it.each([
    [{ scopes: ['a b'] }, '#/scopes'],
    [{ scopes: ['"quoted"'] }, '#/scopes'],
    [{ routes: [{ paths: [] }] }, '#/routes/0/paths'],
    [{ routes: [{ paths: ['/a/../b'] }] }, '#/routes/0/paths'],
    [{ routes: [{ paths: ['/a'], methods: ['G E T'] }] }, '#/routes/0/methods'],
    [{ routes: [{ paths: ['/a'], extra: 1 }] }, '#/routes/0/extra'],
  ])('refuses the key %j with a pointer to %s', async (body, pointer) => {
    const reply = await admin.post('/v1/admin/keys', {
      body: { username: 'alice', name: 'bad', type: 'bearer', expiresIn: 'never', ...body },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
  });

  async function userId(username: string): Promise<string> {
    const users = await admin.get(`/v1/admin/users?limit=500`);
    return (users.body.items as { id: string; username: string }[]).find(
      (u) => u.username === username,
    )!.id;
  }
  async function adminGroupId(): Promise<string> {
    const groups = await admin.get('/v1/admin/groups?limit=500');
    return (groups.body.items as { id: string; name: string }[]).find(
      (g) => g.name === 'portcullis-admins',
    )!.id;
  }
});

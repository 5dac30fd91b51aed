import * as grpc from '@grpc/grpc-js';
import type { CheckResponse } from '../../src/adapters/envoy-grpc/envoy-proto.js';
import {
  breakChecksum,
  createGroup,
  createKey,
  createUser,
  decisionLines,
  nginxCheck,
  rawRequest,
  uniquePath,
  type AdminClient,
} from '../support/decisions.js';
import { call, client } from '../support/http.js';
import { checkClient, type CheckClient } from '../support/grpc.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** One request to decide on, described the same way for every interface. */
interface Case {
  name: string;
  method?: string;
  uri: string;
  host?: string;
  ip?: string;
  /** Who calls: a user's key, a broken key, or nobody. */
  as?: Caller;
  status: 200 | 401 | 403;
  reason: string;
  /** Which rule decided (by its name in `rules`), when one did. */
  rule?: string;
}
type Caller = 'alice' | 'rita' | 'oscar' | 'nora' | 'paul' | 'kip' | 'admin' | 'broken';

const OUTSIDE = '203.0.113.9';
const INSIDE = '10.1.2.3';

// Access policies through every interface, from one rule set:
//   path rules   public /public/**, /docs/**; restricted /docs/internal/**; bypass /legacy/**,
//                POST /hooks/*; /both/** public, restricted and bypassed at once;
//                public /catalog/** on *.shop.example only
//   access rules every host: allowed groups api-users, ops, partners; auditors read-only unless
//                in ops; internal.example: only from 10.0.0.0/8; *.partner.example: partners only
//   users        alice api-users; rita api-users + auditors; oscar auditors + ops; nora no
//                group; paul partners; kip api-users with a key usable from 192.0.2.0/24 only
describe('Access policies', () => {
  let service: TestApp;
  let admin: AdminClient;
  let authz: CheckClient;
  const keys: Partial<Record<Caller, string>> = {};
  const rules: Record<string, string> = {};

  const createRule = async (kind: 'path' | 'access', name: string, body: object) => {
    const reply = await admin.post(`/v1/admin/${kind}-rules`, { body });
    expect(reply.status).toBe(201);
    rules[name] = reply.body.id as string;
  };

  beforeAll(async () => {
    service = await startTestApp({ env: { GRPC_PORT: '0' } });
    admin = client(service.url, service.adminKey);
    for (const group of ['api-users', 'auditors', 'ops', 'partners']) {
      await createGroup(admin, group);
    }
    const users: [Caller, string[]][] = [
      ['alice', ['api-users']],
      ['rita', ['api-users', 'auditors']],
      ['oscar', ['auditors', 'ops']],
      ['nora', []],
      ['paul', ['partners']],
      ['kip', ['api-users']],
    ];
    for (const [username, groups] of users) {
      await createUser(admin, username, { groups });
      if (username !== 'kip') keys[username] = (await createKey(admin, { username })).key;
    }
    const kip = await admin.post('/v1/admin/keys', {
      body: {
        username: 'kip',
        name: 'office only',
        type: 'bearer',
        expiresIn: 'never',
        allowedIps: ['192.0.2.0/24'],
      },
    });
    expect(kip.status).toBe(201);
    expect(kip.body.allowedIps).toEqual(['192.0.2.0/24']);
    keys.kip = kip.body.key as string;
    keys.admin = service.adminKey;
    keys.broken = breakChecksum(keys.alice!);

    await createRule('path', 'public', { access: 'public', pattern: '/public/**' });
    await createRule('path', 'docs', { access: 'public', pattern: '/docs/**' });
    await createRule('path', 'internal', { access: 'restricted', pattern: '/docs/internal/**' });
    await createRule('path', 'legacy', { access: 'bypass', pattern: '/legacy/**' });
    await createRule('path', 'hooks', { access: 'bypass', pattern: '/hooks/*', methods: ['post'] });
    await createRule('path', 'bothPublic', { access: 'public', pattern: '/both/**' });
    await createRule('path', 'bothRestricted', { access: 'restricted', pattern: '/both/**' });
    await createRule('path', 'bothBypass', { access: 'bypass', pattern: '/both/**' });
    await createRule('path', 'shop', {
      access: 'public',
      pattern: '/catalog/**',
      host: '*.shop.example',
    });
    await createRule('access', 'everyone', {
      allowedGroups: ['API-Users', 'ops', 'partners'],
      readOnlyGroups: ['auditors'],
      fullAccessGroups: ['ops'],
    });
    await createRule('access', 'internalIps', {
      host: 'internal.example',
      allowedIps: ['10.0.0.0/8'],
    });
    await createRule('access', 'partnersOnly', {
      host: '*.partner.example',
      allowedGroups: ['partners'],
    });
    // The nginx endpoint takes the client's address from X-Forwarded-For, sent by this "proxy".
    const settings = await admin.patch('/v1/admin/settings', {
      body: { trustedProxies: ['127.0.0.1', '::1'] },
    });
    expect(settings.status).toBe(200);

    authz = checkClient(service);
  });
  afterAll(async () => {
    authz?.close();
    await service?.close();
  });

  // prettier-ignore
  const CASES: Case[] = [
    // 2. bypass, before any credential is looked at
    { name: 'bypass, anonymous', method: 'DELETE', uri: '/legacy/x', status: 200, reason: 'bypass', rule: 'legacy' },
    { name: 'bypass, broken key', uri: '/legacy/x', as: 'broken', status: 200, reason: 'bypass', rule: 'legacy' },
    { name: 'bypass, outside IP', uri: '/legacy/x', host: 'internal.example', ip: OUTSIDE, status: 200, reason: 'bypass', rule: 'legacy' },
    { name: 'bypass + restricted public path', uri: '/both/x', status: 200, reason: 'bypass', rule: 'bothBypass' },
    { name: 'bypass of another method', method: 'GET', uri: '/hooks/github', status: 401, reason: 'missing_credential' },
    { name: 'bypass of its method', method: 'POST', uri: '/hooks/github', status: 200, reason: 'bypass', rule: 'hooks' },
    // 3. credential, or none on a public path
    { name: 'protected, anonymous', uri: '/api/orders', status: 401, reason: 'missing_credential' },
    { name: 'public, anonymous', uri: '/public/a?x=1', status: 200, reason: 'anonymous', rule: 'public' },
    { name: 'public, anonymous POST', method: 'POST', uri: '/public/a', status: 200, reason: 'anonymous', rule: 'public' },
    { name: 'public, broken key', uri: '/public/a', as: 'broken', status: 401, reason: 'malformed_credential' },
    { name: 'public, valid key', uri: '/public/a', as: 'alice', status: 200, reason: 'authenticated' },
    { name: 'restricted inside public', uri: '/docs/internal/plan', status: 401, reason: 'missing_credential', rule: 'internal' },
    { name: 'restricted, other case', uri: '/docs/Internal/plan', status: 401, reason: 'missing_credential', rule: 'internal' },
    { name: 'public beside restricted', uri: '/docs/guide', status: 200, reason: 'anonymous', rule: 'docs' },
    { name: 'public tree, dot-dot out of it', uri: '/public/../api/orders', status: 401, reason: 'missing_credential' },
    { name: 'public tree, encoded dot-dot', uri: '/public/%2e%2e/api/orders', status: 401, reason: 'missing_credential' },
    { name: 'public tree, ..;/', uri: '/public/..;/api/orders', status: 401, reason: 'missing_credential' },
    { name: 'public on its host', uri: '/catalog/1', host: 'eu.shop.example', status: 200, reason: 'anonymous', rule: 'shop' },
    { name: 'public, other host', uri: '/catalog/1', host: 'api.example', status: 401, reason: 'missing_credential' },
    // 4. client IP
    { name: 'IP inside', uri: '/api/orders', host: 'internal.example', ip: INSIDE, as: 'alice', status: 200, reason: 'authenticated' },
    { name: 'IP outside', uri: '/api/orders', host: 'internal.example', ip: OUTSIDE, as: 'alice', status: 403, reason: 'ip_denied', rule: 'internalIps' },
    { name: 'IP outside, admin key', uri: '/api/orders', host: 'internal.example', ip: OUTSIDE, as: 'admin', status: 403, reason: 'ip_denied', rule: 'internalIps' },
    { name: 'IP outside, anonymous on public path', uri: '/public/a', host: 'internal.example', ip: OUTSIDE, status: 403, reason: 'ip_denied', rule: 'internalIps' },
    { name: 'IPv4-mapped IP inside', uri: '/api/orders', host: 'internal.example', ip: '::ffff:10.1.2.3', as: 'alice', status: 200, reason: 'authenticated' },
    { name: 'IP outside, other host', uri: '/api/orders', host: 'api.example', ip: OUTSIDE, as: 'alice', status: 200, reason: 'authenticated' },
    { name: 'key IP inside', uri: '/api/orders', ip: '192.0.2.10', as: 'kip', status: 200, reason: 'authenticated' },
    { name: 'key IP outside', uri: '/api/orders', ip: '198.51.100.1', as: 'kip', status: 403, reason: 'ip_denied' },
    // 5. allowed groups
    { name: 'in no allowed group', uri: '/api/orders', as: 'nora', status: 403, reason: 'group_denied', rule: 'everyone' },
    { name: 'admin, in no allowed group', uri: '/api/orders', as: 'admin', status: 403, reason: 'group_denied', rule: 'everyone' },
    { name: 'in no allowed group, public path', uri: '/public/a', as: 'nora', status: 403, reason: 'group_denied', rule: 'everyone' },
    { name: 'partner on the partner host', uri: '/api/x', host: 'a.partner.example', as: 'paul', status: 200, reason: 'authenticated' },
    { name: 'non-partner on the partner host', uri: '/api/x', host: 'a.partner.example', as: 'alice', status: 403, reason: 'group_denied', rule: 'partnersOnly' },
    // 6. read-only
    { name: 'read-only GET', uri: '/api/orders', as: 'rita', status: 200, reason: 'authenticated' },
    { name: 'read-only OPTIONS', method: 'OPTIONS', uri: '/api/orders', as: 'rita', status: 200, reason: 'authenticated' },
    { name: 'read-only POST', method: 'POST', uri: '/api/orders', as: 'rita', status: 403, reason: 'read_only', rule: 'everyone' },
    { name: 'read-only member on a public path with POST', method: 'POST', uri: '/public/a', as: 'rita', status: 403, reason: 'read_only', rule: 'everyone' },
    { name: 'read-only overridden by full access', method: 'DELETE', uri: '/api/orders/1', as: 'oscar', status: 200, reason: 'authenticated' },
    { name: 'full access', method: 'PUT', uri: '/api/orders/1', as: 'alice', status: 200, reason: 'authenticated' },
    // the first refusal wins: IP before groups before read-only
    { name: 'IP and group both fail', uri: '/api/x', host: 'internal.example', ip: OUTSIDE, as: 'nora', status: 403, reason: 'ip_denied', rule: 'internalIps' },
    { name: 'group and read-only both fail', method: 'POST', uri: '/api/x', host: 'a.partner.example', as: 'rita', status: 403, reason: 'group_denied', rule: 'partnersOnly' },
  ];

  const authorizationOf = (c: Case) => (c.as ? `Bearer ${keys[c.as]}` : undefined);

  describe('POST /v1/decisions', () => {
    it.each(CASES)('$name: $status $reason', async (c) => {
      const authorization = authorizationOf(c);
      const reply = await admin.post('/v1/decisions', {
        body: {
          method: c.method ?? 'GET',
          path: c.uri,
          host: c.host ?? 'api.example',
          ip: c.ip ?? INSIDE,
          headers: authorization ? { authorization } : {},
        },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ status: c.status, reason: c.reason });
      expect(reply.body.rule).toBe(c.rule ? rules[c.rule] : null);
      if (c.reason === 'bypass') expect(reply.body.headers).toEqual({ 'x-auth-bypass': '1' });
      if (c.reason === 'anonymous') expect(reply.body.headers).toEqual({});
      if (c.reason === 'authenticated') {
        expect(reply.body.headers['x-auth-user']).toBe(c.as);
      }
    });
  });

  describe('nginx auth_request', () => {
    it.each(CASES)('$name: $status $reason', async (c) => {
      const authorization = authorizationOf(c);
      const reply = await nginxCheck(service.url, {
        uri: c.uri,
        method: c.method ?? 'GET',
        ...(authorization && { authorization }),
        headers: { 'x-forwarded-host': c.host ?? 'api.example', 'x-forwarded-for': c.ip ?? INSIDE },
      });
      expect(reply.status).toBe(c.status);
      if (c.status !== 200) expect(reply.headers.get('x-auth-reason')).toBe(c.reason);
      expect(reply.headers.get('x-auth-bypass')).toBe(c.reason === 'bypass' ? '1' : null);
      expect(reply.headers.get('x-auth-user')).toBe(c.reason === 'authenticated' ? c.as : null);
    });

    it('logs the rule that decided', async () => {
      const path = uniquePath('legacy');
      expect((await nginxCheck(service.url, { uri: path })).status).toBe(200);
      const [line] = await decisionLines(service, path);
      expect(line).toMatchObject({ granted: true, reason: 'bypass', rule: rules.legacy });
    });
  });

  describe('Envoy ext_authz gRPC', () => {
    const check = (c: Case) => {
      const authorization = authorizationOf(c);
      return new Promise<CheckResponse>((resolve, reject) =>
        authz.Check(
          {
            attributes: {
              source: { address: { socket_address: { address: c.ip ?? INSIDE } } },
              request: {
                http: {
                  method: c.method ?? 'GET',
                  path: c.uri,
                  host: c.host ?? 'api.example',
                  headers: authorization ? { authorization } : {},
                },
              },
            },
          },
          (error, response) => (error ? reject(error) : resolve(response)),
        ),
      );
    };

    it.each(CASES)('$name: $status $reason', async (c) => {
      const response = await check(c);
      if (c.status === 200) {
        expect(response.status?.code ?? 0).toBe(grpc.status.OK);
        const headers = Object.fromEntries(
          (response.ok_response?.headers ?? []).map((h) => [h.header?.key, h.header?.value]),
        );
        expect(headers['x-auth-bypass']).toBe(c.reason === 'bypass' ? '1' : undefined);
        if (c.reason !== 'bypass') {
          expect(response.ok_response?.headers_to_remove).toContain('x-auth-bypass');
        }
        return;
      }
      expect(response.status?.code).toBe(
        c.status === 401 ? grpc.status.UNAUTHENTICATED : grpc.status.PERMISSION_DENIED,
      );
      expect(response.denied_response?.status?.code).toBe(c.status);
      expect(JSON.parse(response.denied_response!.body!)).toEqual({
        status: c.status,
        reason: c.reason,
      });
    });
  });

  describe('Envoy ext_authz HTTP', () => {
    it.each(CASES.filter((c) => c.ip === undefined))('$name: $status $reason', async (c) => {
      const authorization = authorizationOf(c);
      // node:http, since fetch will not send a Host header of our choosing.
      const reply = await rawRequest(service.url, c.method ?? 'GET', `/v1/authz/envoy${c.uri}`, {
        host: c.host ?? 'api.example',
        ...(authorization && { authorization }),
      });
      expect(reply.status).toBe(c.status);
      expect(reply.headers['x-auth-bypass']).toBe(c.reason === 'bypass' ? '1' : undefined);
      if (c.status !== 200) {
        expect(JSON.parse(reply.text)).toEqual({ status: c.status, reason: c.reason });
      }
    });
  });

  it('lets everything through, unchecked, while the service is switched off', async () => {
    const off = await admin.patch('/v1/admin/settings', { body: { enabled: false } });
    expect(off.status).toBe(200);
    try {
      for (const c of CASES.filter((c) => c.status !== 200)) {
        const reply = await nginxCheck(service.url, {
          uri: c.uri,
          method: c.method ?? 'GET',
          ...(c.as && { authorization: `Bearer ${keys[c.as]}` }),
          headers: {
            'x-forwarded-host': c.host ?? 'api.example',
            'x-forwarded-for': c.ip ?? INSIDE,
          },
        });
        expect([c.name, reply.status, reply.headers.get('x-auth-user')]).toEqual([
          c.name,
          200,
          null,
        ]);
      }
      const bypass = await admin.post('/v1/decisions', { body: { path: '/legacy/x' } });
      expect(bypass.body).toMatchObject({ reason: 'service_disabled', rule: null, headers: {} });
    } finally {
      await admin.patch('/v1/admin/settings', { body: { enabled: true } });
    }
  });

  it('refuses Basic passwords left to the upstream where groups are required', async () => {
    await admin.patch('/v1/admin/settings', { body: { disablePasswordBasicAuth: false } });
    try {
      const password = `Basic ${Buffer.from('legacy:secret').toString('base64')}`;
      const decide = (host: string, ip: string) =>
        admin.post('/v1/decisions', {
          body: { path: '/api/x', host, ip, headers: { authorization: password } },
        });
      expect((await decide('api.example', INSIDE)).body).toMatchObject({
        allowed: false,
        reason: 'group_denied',
        rule: rules.everyone,
      });
      expect((await decide('internal.example', OUTSIDE)).body).toMatchObject({
        reason: 'ip_denied',
        rule: rules.internalIps,
      });
    } finally {
      await admin.patch('/v1/admin/settings', { body: { disablePasswordBasicAuth: true } });
    }
  });

  it("applies a key's new IP allowlist at once", async () => {
    const decide = () =>
      admin.post('/v1/decisions', {
        body: { path: '/api/x', ip: OUTSIDE, headers: { authorization: `Bearer ${keys.kip}` } },
      });
    expect((await decide()).body.reason).toBe('ip_denied');
    const listed = await admin.get('/v1/admin/keys?state=active&limit=500');
    const kip = listed.body.items.find((k: { username: string }) => k.username === 'kip');
    const widened = await admin.patch(`/v1/admin/keys/${kip.id}`, {
      body: { allowedIps: ['192.0.2.0/24', `${OUTSIDE}/32`] },
    });
    expect(widened.status).toBe(200);
    expect(widened.body.allowedIps).toEqual(['192.0.2.0/24', `${OUTSIDE}/32`]);
    expect((await decide()).body.reason).toBe('authenticated');
    await admin.patch(`/v1/admin/keys/${kip.id}`, { body: { allowedIps: ['192.0.2.0/24'] } });
    expect((await decide()).body.reason).toBe('ip_denied');
  });

  describe('admin API', () => {
    it('creates, reads, changes and deletes a path rule, effective at once', async () => {
      const path = uniquePath('status');
      const decide = async () =>
        (await admin.post('/v1/decisions', { body: { path, host: 'ops.example' } })).body.reason;
      expect(await decide()).toBe('missing_credential');

      const created = await admin.post('/v1/admin/path-rules', {
        body: {
          access: 'public',
          pattern: path,
          methods: ['get', 'HEAD', 'GET'],
          host: 'OPS.example',
          description: 'health checks',
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        access: 'public',
        pattern: path,
        methods: ['GET', 'HEAD'],
        host: 'ops.example',
        description: 'health checks',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const id = created.body.id as string;
      expect(await decide()).toBe('anonymous');
      expect((await admin.get(`/v1/admin/path-rules/${id}`)).body).toEqual(created.body);
      const listed = await admin.get('/v1/admin/path-rules?limit=500');
      expect(listed.body.items.map((r: { id: string }) => r.id)).toContain(id);

      const restricted = await admin.patch(`/v1/admin/path-rules/${id}`, {
        body: { access: 'restricted' },
      });
      expect(restricted.status).toBe(200);
      expect(restricted.body).toMatchObject({ access: 'restricted', pattern: path });
      expect(await decide()).toBe('missing_credential');

      await admin.patch(`/v1/admin/path-rules/${id}`, { body: { access: 'bypass', host: null } });
      expect(await decide()).toBe('bypass');

      expect((await admin.delete(`/v1/admin/path-rules/${id}`)).status).toBe(204);
      expect(await decide()).toBe('missing_credential');
      expect((await admin.get(`/v1/admin/path-rules/${id}`)).status).toBe(404);
      expect((await admin.delete(`/v1/admin/path-rules/${id}`)).status).toBe(404);
    });

    it.each([
      [{ access: 'open', pattern: '/a' }, '#/access'],
      [{ access: 'public', pattern: 'a' }, '#/pattern'],
      [{ access: 'public', pattern: '/a/../b' }, '#/pattern'],
      [{ access: 'public', pattern: '/a//b' }, '#/pattern'],
      [{ access: 'public', pattern: '/a**' }, '#/pattern'],
      [{ access: 'public', pattern: '/a', methods: ['GET', 'G E T'] }, '#/methods'],
      [{ access: 'public', pattern: '/a', host: 'api.example:8080' }, '#/host'],
      [{ access: 'public', pattern: '/a', extra: 1 }, '#/extra'],
      [{ access: 'public' }, '#/pattern'],
    ])('refuses the path rule %j with a pointer to %s', async (body, pointer) => {
      const reply = await admin.post('/v1/admin/path-rules', { body });
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    });

    it.each([
      [{ allowedIps: ['10.0.0.0/33'] }, '#/allowedIps'],
      [{ allowedIps: ['10.0.0.1', 'nope'] }, '#/allowedIps'],
      [{ allowedGroups: ['no-such-group'] }, '#/allowedGroups/0'],
      [{ readOnlyGroups: ['auditors', 'ghosts'] }, '#/readOnlyGroups/1'],
      [{ fullAccessGroups: ['bad name!'] }, '#/fullAccessGroups'],
      [{ host: 'a'.repeat(300) }, '#/host'],
      [{ host: 'api.example', extra: true }, '#/extra'],
    ])('refuses the access rule %j with a pointer to %s', async (body, pointer) => {
      const reply = await admin.post('/v1/admin/access-rules', { body });
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([pointer]);
    });

    it('follows a group rename in the access rules, and refuses to delete a group in use', async () => {
      const groupId = await createGroup(admin, 'contractors');
      const rule = await admin.post('/v1/admin/access-rules', {
        body: { host: 'contractors.example', allowedGroups: ['Contractors'] },
      });
      expect(rule.status).toBe(201);
      expect(rule.body.allowedGroups).toEqual(['contractors']);

      const renamed = await admin.patch(`/v1/admin/groups/${groupId}`, {
        body: { name: 'vendors' },
      });
      expect(renamed.status).toBe(200);
      const after = await admin.get(`/v1/admin/access-rules/${rule.body.id}`);
      expect(after.body.allowedGroups).toEqual(['vendors']);

      const refused = await admin.delete(`/v1/admin/groups/${groupId}`);
      expect(refused.status).toBe(409);
      expect(refused.body.detail).toContain(rule.body.id);
      expect((await admin.get(`/v1/admin/groups/${groupId}`)).status).toBe(200);

      expect((await admin.delete(`/v1/admin/access-rules/${rule.body.id}`)).status).toBe(204);
      expect((await admin.delete(`/v1/admin/groups/${groupId}`)).status).toBe(204);
    });

    it('records every rule change in the audit trail', async () => {
      const created = await admin.post('/v1/admin/access-rules', {
        body: { host: 'audit.example', allowedIps: ['10.0.0.0/8'] },
      });
      await admin.patch(`/v1/admin/access-rules/${created.body.id}`, {
        body: { allowedIps: [] },
      });
      await admin.delete(`/v1/admin/access-rules/${created.body.id}`);
      const trail = await admin.get('/v1/admin/audit?limit=500');
      const actions = trail.body.items
        .filter((e: { resourceId?: string; target?: string }) =>
          JSON.stringify(e).includes(created.body.id),
        )
        .map((e: { action: string }) => e.action);
      expect(actions.sort()).toEqual([
        'access-rule.create',
        'access-rule.delete',
        'access-rule.update',
      ]);
    });

    it('is for admins only', async () => {
      const asAlice = client(service.url, keys.alice);
      expect((await asAlice.get('/v1/admin/path-rules')).status).toBe(403);
      expect((await asAlice.post('/v1/admin/access-rules', { body: {} })).status).toBe(403);
      expect((await call(service.url, 'GET', '/v1/admin/access-rules')).status).toBe(401);
    });
  });

  it('introspection reports a key active whatever the path and IP rules say', async () => {
    const reply = await call(service.url, 'POST', '/oauth2/introspect', {
      auth: service.adminKey,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      raw: new URLSearchParams({ token: keys.nora! }).toString(),
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ active: true, username: 'nora' });
  });
});

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
  /** The rule that decided; null when none did (a bad credential, a key's own allowlist). */
  rule: string | null;
}
type Caller = 'alice' | 'rita' | 'oscar' | 'nora' | 'paul' | 'kip' | 'admin' | 'broken';

const OUTSIDE = '203.0.113.9';
const INSIDE = '10.1.2.3';

const EVERYONE = {
  anyGroups: ['API-Users', 'ops', 'partners'],
  readOnlyGroups: ['auditors'],
  fullAccessGroups: ['ops'],
};
const INTERNAL_IPS = { ipRanges: ['10.0.0.0/8'] };
const PARTNERS = { anyGroups: ['partners'] };
const rule = (
  name: string,
  effect: string,
  match: { hosts?: string[]; paths?: string[]; methods?: string[] },
  require: object[] = [],
) => ({ name, effect, match, require });

// One ordered rule list, decided through every interface (docs/authorization.md):
//   bypass     /legacy/**, POST /hooks/*, /both/** (before the rules below that also match it)
//   deny       /internal-only/**
//   carve-out  /docs/internal/** and /both/** need a credential (authenticated), before the
//              public trees /public/**, /docs/**, and /catalog/** on *.shop.example only
//   hosts      internal.example: only from 10.0.0.0/8; *.partner.example: partners only
//   routes     /admin/** for ops; /audit/** for who is in auditors and ops; /scoped/** needs the
//              orders:write scope; /claims/** a token claim (keys have none)
//   default    authenticated, in api-users, ops or partners; auditors read-only unless in ops
//   users      alice api-users; rita api-users + auditors; oscar auditors + ops; nora no
//              group; paul partners; kip api-users with a key usable from 192.0.2.0/24 only
// prettier-ignore
const RULES = [
  rule('legacy', 'bypass', { paths: ['/legacy/**'] }),
  rule('hooks', 'bypass', { paths: ['/hooks/*'], methods: ['post'] }),
  rule('both-bypass', 'bypass', { paths: ['/both/**'] }),
  rule('internal-only', 'deny', { paths: ['/internal-only/**'] }),
  rule('internal-docs', 'authenticated', { paths: ['/docs/internal/**', '/both/**'] }, [EVERYONE]),
  rule('internal-public', 'public', { hosts: ['internal.example'], paths: ['/public/**'] }, [EVERYONE, INTERNAL_IPS]),
  rule('internal-host', 'authenticated', { hosts: ['internal.example'] }, [EVERYONE, INTERNAL_IPS]),
  rule('partner-host', 'authenticated', { hosts: ['*.partner.example'] }, [EVERYONE, PARTNERS]),
  rule('public', 'public', { paths: ['/public/**'] }, [EVERYONE]),
  rule('docs', 'public', { paths: ['/docs/**'] }, [EVERYONE]),
  rule('shop', 'public', { hosts: ['*.shop.example'], paths: ['/catalog/**'] }, [EVERYONE]),
  rule('admin-ops', 'authenticated', { paths: ['/admin/**'] }, [{ anyGroups: ['ops'] }]),
  rule('audit-both', 'authenticated', { paths: ['/audit/**'] }, [{ allGroups: ['auditors', 'ops'] }]),
  rule('scoped', 'authenticated', { paths: ['/scoped/**'] }, [{ scopes: ['orders:write'] }]),
  rule('claims', 'authenticated', { paths: ['/claims/**'] }, [{ claims: [{ claim: 'amr', contains: 'mfa' }] }]),
];

describe('Authorization rules', () => {
  let service: TestApp;
  let admin: AdminClient;
  let authz: CheckClient;
  const keys: Partial<Record<Caller, string>> = {};

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

    const current = await admin.get('/v1/admin/rules');
    const put = await admin.put('/v1/admin/rules', {
      headers: { 'if-match': current.headers.get('etag')! },
      body: { rules: RULES, defaultRule: { effect: 'authenticated', require: [EVERYONE] } },
    });
    expect(put.status).toBe(200);
    expect(put.body.warnings).toEqual([]);
    // The nginx endpoint takes the client's address from X-Forwarded-For, sent by this "proxy".
    const settings = await admin.patch('/v1/admin/settings', {
      body: { trustedProxies: ['127.0.0.1', '::1'] },
    });
    expect(settings.status).toBe(200);

    authz = checkClient(service);
  }, 120_000);
  afterAll(async () => {
    authz?.close();
    await service?.close();
  });

  // prettier-ignore
  const CASES: Case[] = [
    // bypass, before any credential is looked at
    { name: 'bypass, anonymous', method: 'DELETE', uri: '/legacy/x', status: 200, reason: 'bypass', rule: 'legacy' },
    { name: 'bypass, broken key', uri: '/legacy/x', as: 'broken', status: 200, reason: 'bypass', rule: 'legacy' },
    { name: 'bypass, outside IP', uri: '/legacy/x', host: 'internal.example', ip: OUTSIDE, status: 200, reason: 'bypass', rule: 'legacy' },
    { name: 'bypass before a carve-out', uri: '/both/x', status: 200, reason: 'bypass', rule: 'both-bypass' },
    { name: 'bypass of another method', method: 'GET', uri: '/hooks/github', status: 401, reason: 'missing_credential', rule: 'default' },
    { name: 'bypass of its method', method: 'POST', uri: '/hooks/github', status: 200, reason: 'bypass', rule: 'hooks' },
    // deny, whoever asks
    { name: 'deny, anonymous', uri: '/internal-only/x', status: 403, reason: 'rule_denied', rule: 'internal-only' },
    { name: 'deny, admin', uri: '/internal-only/x', as: 'admin', status: 403, reason: 'rule_denied', rule: 'internal-only' },
    { name: 'deny, other case', uri: '/Internal-Only./x', as: 'oscar', status: 403, reason: 'rule_denied', rule: 'internal-only' },
    { name: 'deny, dot-dot into it', uri: '/public/../internal-only/x', status: 403, reason: 'rule_denied', rule: 'internal-only' },
    // a credential, or none on a public path
    { name: 'protected, anonymous', uri: '/api/orders', status: 401, reason: 'missing_credential', rule: 'default' },
    { name: 'public, anonymous', uri: '/public/a?x=1', status: 200, reason: 'anonymous', rule: 'public' },
    { name: 'public, anonymous POST', method: 'POST', uri: '/public/a', status: 200, reason: 'anonymous', rule: 'public' },
    { name: 'public, broken key', uri: '/public/a', as: 'broken', status: 401, reason: 'malformed_credential', rule: null },
    { name: 'public, valid key', uri: '/public/a', as: 'alice', status: 200, reason: 'authenticated', rule: 'public' },
    { name: 'carve-out inside public', uri: '/docs/internal/plan', status: 401, reason: 'missing_credential', rule: 'internal-docs' },
    { name: 'carve-out, other case', uri: '/docs/Internal/plan', status: 401, reason: 'missing_credential', rule: 'internal-docs' },
    { name: 'public beside the carve-out', uri: '/docs/guide', status: 200, reason: 'anonymous', rule: 'docs' },
    { name: 'public tree, dot-dot out of it', uri: '/public/../api/orders', status: 401, reason: 'missing_credential', rule: 'default' },
    { name: 'public tree, encoded dot-dot', uri: '/public/%2e%2e/api/orders', status: 401, reason: 'missing_credential', rule: 'default' },
    { name: 'public tree, ..;/', uri: '/public/..;/api/orders', status: 401, reason: 'missing_credential', rule: 'default' },
    { name: 'public on its host', uri: '/catalog/1', host: 'eu.shop.example', status: 200, reason: 'anonymous', rule: 'shop' },
    { name: 'public, other host', uri: '/catalog/1', host: 'api.example', status: 401, reason: 'missing_credential', rule: 'default' },
    { name: 'unreadable path under a rule with paths', uri: '/admin/%ff', as: 'oscar', status: 403, reason: 'invalid_path', rule: 'internal-only' },
    // client IP
    { name: 'IP inside', uri: '/api/orders', host: 'internal.example', ip: INSIDE, as: 'alice', status: 200, reason: 'authenticated', rule: 'internal-host' },
    { name: 'IP outside', uri: '/api/orders', host: 'internal.example', ip: OUTSIDE, as: 'alice', status: 403, reason: 'ip_denied', rule: 'internal-host' },
    { name: 'IP outside, admin key', uri: '/api/orders', host: 'internal.example', ip: OUTSIDE, as: 'admin', status: 403, reason: 'ip_denied', rule: 'internal-host' },
    { name: 'IP outside, anonymous on public path', uri: '/public/a', host: 'internal.example', ip: OUTSIDE, status: 403, reason: 'ip_denied', rule: 'internal-public' },
    { name: 'IPv4-mapped IP inside', uri: '/api/orders', host: 'internal.example', ip: '::ffff:10.1.2.3', as: 'alice', status: 200, reason: 'authenticated', rule: 'internal-host' },
    { name: 'IP outside, other host', uri: '/api/orders', host: 'api.example', ip: OUTSIDE, as: 'alice', status: 200, reason: 'authenticated', rule: 'default' },
    { name: 'key IP inside', uri: '/api/orders', ip: '192.0.2.10', as: 'kip', status: 200, reason: 'authenticated', rule: 'default' },
    { name: 'key IP outside', uri: '/api/orders', ip: '198.51.100.1', as: 'kip', status: 403, reason: 'ip_denied', rule: null },
    // groups
    { name: 'in no allowed group', uri: '/api/orders', as: 'nora', status: 403, reason: 'group_denied', rule: 'default' },
    { name: 'admin, in no allowed group', uri: '/api/orders', as: 'admin', status: 403, reason: 'group_denied', rule: 'default' },
    { name: 'in no allowed group, public path', uri: '/public/a', as: 'nora', status: 403, reason: 'group_denied', rule: 'public' },
    { name: 'partner on the partner host', uri: '/api/x', host: 'a.partner.example', as: 'paul', status: 200, reason: 'authenticated', rule: 'partner-host' },
    { name: 'non-partner on the partner host', uri: '/api/x', host: 'a.partner.example', as: 'alice', status: 403, reason: 'group_denied', rule: 'partner-host' },
    { name: 'ops on /admin', uri: '/admin/users', as: 'oscar', status: 200, reason: 'authenticated', rule: 'admin-ops' },
    { name: 'not ops on /admin', uri: '/admin/users', as: 'alice', status: 403, reason: 'group_denied', rule: 'admin-ops' },
    { name: 'not ops on /ADMIN./', uri: '/ADMIN./users', as: 'alice', status: 403, reason: 'group_denied', rule: 'admin-ops' },
    { name: 'in all of the groups', uri: '/audit/log', as: 'oscar', status: 200, reason: 'authenticated', rule: 'audit-both' },
    { name: 'in one of all the groups', uri: '/audit/log', as: 'rita', status: 403, reason: 'group_denied', rule: 'audit-both' },
    // read-only
    { name: 'read-only GET', uri: '/api/orders', as: 'rita', status: 200, reason: 'authenticated', rule: 'default' },
    { name: 'read-only OPTIONS', method: 'OPTIONS', uri: '/api/orders', as: 'rita', status: 200, reason: 'authenticated', rule: 'default' },
    { name: 'read-only POST', method: 'POST', uri: '/api/orders', as: 'rita', status: 403, reason: 'read_only', rule: 'default' },
    { name: 'read-only member on a public path with POST', method: 'POST', uri: '/public/a', as: 'rita', status: 403, reason: 'read_only', rule: 'public' },
    { name: 'read-only overridden by full access', method: 'DELETE', uri: '/api/orders/1', as: 'oscar', status: 200, reason: 'authenticated', rule: 'default' },
    { name: 'full access', method: 'PUT', uri: '/api/orders/1', as: 'alice', status: 200, reason: 'authenticated', rule: 'default' },
    // scopes and claims: keys carry neither yet
    { name: 'scope missing', uri: '/scoped/orders', as: 'alice', status: 403, reason: 'insufficient_scope', rule: 'scoped' },
    { name: 'claim missing', uri: '/claims/x', as: 'alice', status: 403, reason: 'claim_denied', rule: 'claims' },
    // the first refusal wins: IP before groups before read-only
    { name: 'IP and group both fail', uri: '/api/x', host: 'internal.example', ip: OUTSIDE, as: 'nora', status: 403, reason: 'ip_denied', rule: 'internal-host' },
    { name: 'group and read-only both fail', method: 'POST', uri: '/api/x', host: 'a.partner.example', as: 'rita', status: 403, reason: 'group_denied', rule: 'partner-host' },
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
      expect(reply.body.rule).toBe(c.rule);
      if (c.reason === 'bypass') expect(reply.body.headers).toEqual({ 'x-auth-bypass': '1' });
      if (c.reason === 'anonymous') expect(reply.body.headers).toEqual({});
      if (c.reason === 'authenticated') {
        expect(reply.body.headers['x-auth-user']).toBe(c.as);
      }
    });
  });

  describe('explain', () => {
    const explain = (c: Case) =>
      admin.post('/v1/decisions', {
        body: {
          method: c.method ?? 'GET',
          path: c.uri,
          host: c.host ?? 'api.example',
          ip: c.ip ?? INSIDE,
          explain: true,
          ...(c.as && { credential: keys[c.as] }),
        },
      });

    it.each(CASES)(
      '$name: the trace ends at the rule that decided, and holds no secret',
      async (c) => {
        const reply = await explain(c);
        expect(reply.body).toMatchObject({ status: c.status, reason: c.reason, rule: c.rule });
        const trace = reply.body.trace as { step: string; name: string; result: string }[];
        const matched = trace.filter((s) => s.step === 'rule' && s.result === 'matched');
        expect(matched.length).toBeLessThanOrEqual(1);
        if (c.rule !== null) expect(matched.map((s) => s.name)).toEqual([c.rule]);
        for (const key of Object.values(keys)) expect(JSON.stringify(trace)).not.toContain(key!);
        // A refusal by the rule's requirements, or a key's own limits, names the check that failed.
        const failing = ['group_denied', 'read_only', 'insufficient_scope', 'claim_denied'];
        if (failing.includes(c.reason) || (c.reason === 'ip_denied' && c.as !== undefined)) {
          expect(trace.some((s) => s.step === 'requirement' && s.result === 'failed')).toBe(true);
        }
      },
    );

    it('says which rules were passed over and why, who the caller is, and what they lack', async () => {
      const reply = await explain({
        name: 'not ops',
        uri: '/admin/users?token=secret',
        as: 'alice',
        status: 403,
        reason: 'group_denied',
        rule: 'admin-ops',
      });
      const trace = reply.body.trace as {
        step: string;
        name: string;
        result: string;
        detail: string;
      }[];
      expect(trace[0]).toEqual({
        step: 'rule',
        name: 'legacy',
        result: 'not matched',
        detail: 'path /admin/users matches none of /legacy/**',
      });
      expect(trace.find((s) => s.name === 'hooks')!.detail).toBe('method GET is not among POST');
      expect(trace.find((s) => s.name === 'internal-host')!.detail).toBe(
        'host api.example is not among internal.example',
      );
      expect(trace.find((s) => s.name === 'admin-ops')).toMatchObject({ result: 'matched' });
      expect(trace.find((s) => s.step === 'credential')).toEqual({
        step: 'credential',
        name: 'api-key-bearer',
        result: 'passed',
        detail: expect.stringMatching(/^alice, by key \w{8}$/),
      });
      expect(trace.at(-1)).toEqual({
        step: 'requirement',
        name: 'anyGroups',
        result: 'failed',
        detail: 'needs one of ops; alice is in api-users',
      });
      expect(JSON.stringify(trace)).not.toContain('secret');
    });

    it('leaves the trace out unless asked', async () => {
      const reply = await admin.post('/v1/decisions', { body: { path: '/x' } });
      expect(reply.body.trace).toBeUndefined();
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
      expect(line).toMatchObject({ granted: true, reason: 'bypass', rule: 'legacy' });
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
        rule: 'default',
      });
      expect((await decide('internal.example', OUTSIDE)).body).toMatchObject({
        reason: 'ip_denied',
        rule: 'internal-host',
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
    const decide = async (path: string, extra: object = {}) =>
      (await admin.post('/v1/decisions', { body: { path, host: 'ops.example', ...extra } })).body;
    const names = async () =>
      ((await admin.get('/v1/admin/rules')).body.rules as { name: string }[]).map((r) => r.name);

    it('creates, reads, changes, moves and deletes a rule, effective at once', async () => {
      const path = uniquePath('status');
      expect((await decide(path)).reason).toBe('missing_credential');

      const created = await admin.post('/v1/admin/rules', {
        body: {
          name: 'health',
          match: { paths: [path], methods: ['get', 'HEAD', 'GET'], hosts: ['OPS.example'] },
          effect: 'public',
          description: 'health checks',
          before: 'legacy',
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        rule: {
          name: 'health',
          position: 1,
          match: { paths: [path], methods: ['GET', 'HEAD'], hosts: ['ops.example'] },
          effect: 'public',
          require: [],
          description: 'health checks',
          ruleSet: null,
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
        version: expect.any(Number),
        warnings: [],
      });
      expect(await decide(path)).toMatchObject({ reason: 'anonymous', rule: 'health' });
      expect((await admin.get('/v1/admin/rules/health')).body).toEqual(created.body.rule);
      expect((await names())[0]).toBe('health');

      const renamed = await admin.patch('/v1/admin/rules/health', {
        body: { name: 'health-checks', effect: 'authenticated', match: { hosts: [] } },
      });
      expect(renamed.status).toBe(200);
      expect(renamed.body.rule).toMatchObject({
        name: 'health-checks',
        effect: 'authenticated',
        match: { paths: [path], methods: ['GET', 'HEAD'], hosts: [] },
      });
      expect(await decide(path)).toMatchObject({
        reason: 'missing_credential',
        rule: 'health-checks',
      });
      expect((await admin.get('/v1/admin/rules/health')).status).toBe(404);

      const moved = await admin.post('/v1/admin/rules/health-checks/move', {
        body: { after: 'claims' },
      });
      expect(moved.status).toBe(200);
      expect(moved.body.rule.position).toBe(RULES.length + 1);
      expect((await names()).at(-1)).toBe('health-checks');
      await admin.post('/v1/admin/rules/health-checks/move', { body: { before: 'hooks' } });
      expect((await names()).slice(0, 3)).toEqual(['legacy', 'health-checks', 'hooks']);

      expect((await admin.delete('/v1/admin/rules/health-checks')).status).toBe(204);
      expect(await decide(path)).toMatchObject({ reason: 'missing_credential', rule: 'default' });
      expect((await admin.delete('/v1/admin/rules/health-checks')).status).toBe(404);
      expect(await names()).toEqual(RULES.map((r) => r.name));
    });

    it('replaces the whole list only against the version it was read at', async () => {
      const read = await admin.get('/v1/admin/rules');
      const etag = read.headers.get('etag')!;
      expect(etag).toBe(`"${read.body.version}"`);
      const body = { rules: RULES };

      const missing = await admin.put('/v1/admin/rules', { body });
      expect(missing.status).toBe(428);
      expect(missing.headers.get('content-type')).toContain('application/problem+json');

      // Another admin changes the list meanwhile.
      await admin.post('/v1/admin/rules', {
        body: { name: 'meanwhile', effect: 'deny', match: { paths: ['/m'] } },
      });
      const stale = await admin.put('/v1/admin/rules', { headers: { 'if-match': etag }, body });
      expect(stale.status).toBe(412);
      expect(await names()).toContain('meanwhile');

      const fresh = await admin.get('/v1/admin/rules');
      const replaced = await admin.put('/v1/admin/rules', {
        headers: { 'if-match': fresh.headers.get('etag')! },
        body,
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body.version).toBe(fresh.body.version + 1);
      expect(replaced.headers.get('etag')).toBe(`"${replaced.body.version}"`);
      expect(await names()).toEqual(RULES.map((r) => r.name));
      // Rules that kept their name kept their identity.
      const legacyBefore = (fresh.body.rules as { name: string; createdAt: string }[]).find(
        (r) => r.name === 'legacy',
      );
      const legacyAfter = (replaced.body.rules as { name: string; createdAt: string }[]).find(
        (r) => r.name === 'legacy',
      );
      expect(legacyAfter!.createdAt).toBe(legacyBefore!.createdAt);
    });

    it('refuses a whole list with one bad rule, and changes nothing', async () => {
      const before = await admin.get('/v1/admin/rules');
      const reply = await admin.put('/v1/admin/rules', {
        headers: { 'if-match': before.headers.get('etag')! },
        body: {
          rules: [
            rule('a', 'public', { paths: ['/a'] }),
            rule('a', 'deny', { paths: ['/b'] }),
            rule('c', 'authenticated', {}, [{ anyGroups: ['ghosts'] }]),
            rule('d', 'deny', {}, [{ anyGroups: ['ops'] }]),
          ],
        },
      });
      expect(reply.status).toBe(400);
      expect(reply.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([
        '#/rules/1/name',
        '#/rules/2/require/0/anyGroups/0',
        '#/rules/3/require',
      ]);
      const after = await admin.get('/v1/admin/rules');
      expect(after.body).toEqual(before.body);
    });

    it('says what is probably wrong with a list: lint warnings', async () => {
      const reply = await admin.post('/v1/admin/rules/lint', {
        body: {
          rules: [
            rule('all-admin', 'authenticated', { paths: ['/admin/**'] }),
            rule('admin-users', 'deny', { paths: ['/Admin/users'] }),
            rule('encoded', 'deny', { paths: ['/docs/%2e%2e/admin'] }),
            rule('fetch', 'deny', { paths: ['/x'], methods: ['FETCH'] }),
            rule('narrow-first', 'public', { paths: ['/p/**'] }),
            rule('broad-later', 'deny', { paths: ['/p/**'] }),
          ],
        },
      });
      expect(reply.status).toBe(200);
      expect(
        reply.body.warnings.map((w: { rule: string; code: string }) => [w.rule, w.code]),
      ).toEqual([
        ['admin-users', 'unreachable'],
        ['encoded', 'pattern-never-matches'],
        ['fetch', 'unknown-method'],
      ]);
      // The same warnings come back from a change that stores such a rule.
      const created = await admin.post('/v1/admin/rules', {
        body: { name: 'shadowed', effect: 'deny', match: { paths: ['/internal-only/old'] } },
      });
      expect(created.body.warnings).toEqual([
        {
          rule: 'shadowed',
          code: 'unreachable',
          message:
            'shadowed never decides: internal-only, before it, matches every request it does',
        },
      ]);
      await admin.delete('/v1/admin/rules/shadowed');
    });

    it('sets the default rule: deny refuses what no rule matched', async () => {
      const path = uniquePath('unmatched');
      expect(await decide(path, { credential: keys.alice })).toMatchObject({
        allowed: true,
        rule: 'default',
      });
      const denied = await admin.put('/v1/admin/default-rule', { body: { effect: 'deny' } });
      expect(denied.status).toBe(200);
      expect(denied.body).toEqual({ effect: 'deny', require: [] });
      try {
        expect(await decide(path, { credential: keys.alice })).toMatchObject({
          allowed: false,
          status: 403,
          reason: 'rule_denied',
          rule: 'default',
        });
        expect((await decide('/public/x')).reason).toBe('anonymous');
      } finally {
        await admin.put('/v1/admin/default-rule', {
          body: { effect: 'authenticated', require: [EVERYONE] },
        });
      }
      expect((await admin.get('/v1/admin/default-rule')).body).toEqual({
        effect: 'authenticated',
        require: [
          {
            anyGroups: ['api-users', 'ops', 'partners'],
            readOnlyGroups: ['auditors'],
            fullAccessGroups: ['ops'],
          },
        ],
      });
    });

    it.each([
      [{ name: 'Bad Name', effect: 'deny' }, '#/name'],
      [{ name: 'default', effect: 'deny' }, '#/name'],
      [{ name: 'x', effect: 'open' }, '#/effect'],
      [{ name: 'x', effect: 'deny', match: { paths: ['a'] } }, '#/match/paths'],
      [{ name: 'x', effect: 'deny', match: { paths: ['/a/../b'] } }, '#/match/paths'],
      [{ name: 'x', effect: 'deny', match: { paths: ['/a**'] } }, '#/match/paths'],
      [{ name: 'x', effect: 'deny', match: { methods: ['G E T'] } }, '#/match/methods'],
      [{ name: 'x', effect: 'deny', match: { hosts: ['api.example:8080'] } }, '#/match/hosts'],
      [{ name: 'x', effect: 'deny', match: { extra: 1 } }, '#/match/extra'],
      [{ name: 'x', effect: 'deny', extra: 1 }, '#/extra'],
      [
        { name: 'x', effect: 'authenticated', require: [{ ipRanges: ['10.0.0.0/33'] }] },
        '#/require/0/ipRanges',
      ],
      [
        { name: 'x', effect: 'authenticated', require: [{ anyGroups: ['no-such-group'] }] },
        '#/require/0/anyGroups/0',
      ],
      [
        { name: 'x', effect: 'authenticated', require: [{ scopes: ['a b'] }] },
        '#/require/0/scopes',
      ],
      [
        { name: 'x', effect: 'authenticated', require: [{ claims: [{ claim: 'tid' }] }] },
        '#/require/0/claims/0/claim',
      ],
      [
        {
          name: 'x',
          effect: 'authenticated',
          require: [{ claims: [{ claim: 'tid', equals: 'a', contains: 'b' }] }],
        },
        '#/require/0/claims/0/claim',
      ],
      [
        {
          name: 'x',
          effect: 'authenticated',
          require: [{ claims: [{ claim: 'tid', equals: { a: 1 } }] }],
        },
        '#/require/0/claims/0/equals',
      ],
      [{ name: 'x', effect: 'bypass', require: [{ anyGroups: ['ops'] }] }, '#/require'],
      [{ name: 'x', effect: 'deny', before: 'no-such-rule' }, '#/before'],
      [{ name: 'x', effect: 'deny', before: 'legacy', after: 'hooks' }, '#/after'],
    ])('refuses the rule %j with a pointer to %s', async (body, pointer) => {
      const reply = await admin.post('/v1/admin/rules', { body });
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    });

    it('refuses object internals as field names, at any depth', async () => {
      for (const body of [
        { name: 'x', effect: 'deny', toString: 'x' },
        { name: 'x', effect: 'authenticated', require: [{ valueOf: ['ops'] }] },
      ]) {
        const reply = await admin.post('/v1/admin/rules', { body });
        expect(reply.status).toBe(400);
        expect(reply.body.detail).toMatch(/toString|valueOf/);
      }
    });

    it('refuses a name that is taken (409), and unknown rules (404)', async () => {
      const taken = await admin.post('/v1/admin/rules', {
        body: { name: 'legacy', effect: 'deny' },
      });
      expect(taken.status).toBe(409);
      const renamed = await admin.patch('/v1/admin/rules/hooks', { body: { name: 'legacy' } });
      expect(renamed.status).toBe(409);
      expect((await admin.patch('/v1/admin/rules/nope', { body: {} })).status).toBe(404);
      expect((await admin.post('/v1/admin/rules/nope/move', { body: {} })).status).toBe(404);
      const self = await admin.post('/v1/admin/rules/hooks/move', { body: { before: 'hooks' } });
      expect(self.status).toBe(400);
    });

    it('follows a group rename in the rules, and refuses to delete a group in use', async () => {
      const groupId = await createGroup(admin, 'contractors');
      const created = await admin.post('/v1/admin/rules', {
        body: {
          name: 'contractors-host',
          effect: 'authenticated',
          match: { hosts: ['contractors.example'] },
          require: [{ anyGroups: ['Contractors'] }],
        },
      });
      expect(created.status).toBe(201);
      expect(created.body.rule.require).toEqual([{ anyGroups: ['contractors'] }]);

      const renamed = await admin.patch(`/v1/admin/groups/${groupId}`, {
        body: { name: 'vendors' },
      });
      expect(renamed.status).toBe(200);
      const after = await admin.get('/v1/admin/rules/contractors-host');
      expect(after.body.require).toEqual([{ anyGroups: ['vendors'] }]);

      const refused = await admin.delete(`/v1/admin/groups/${groupId}`);
      expect(refused.status).toBe(409);
      expect(refused.body.detail).toContain('contractors-host');
      expect((await admin.get(`/v1/admin/groups/${groupId}`)).status).toBe(200);

      expect((await admin.delete('/v1/admin/rules/contractors-host')).status).toBe(204);
      expect((await admin.delete(`/v1/admin/groups/${groupId}`)).status).toBe(204);
    });

    it('records every rule change in the audit trail, with the values before and after', async () => {
      await admin.post('/v1/admin/rules', {
        body: { name: 'audited', effect: 'deny', match: { paths: ['/a'] } },
      });
      await admin.patch('/v1/admin/rules/audited', { body: { match: { paths: ['/b'] } } });
      await admin.post('/v1/admin/rules/audited/move', { body: { before: 'legacy' } });
      await admin.delete('/v1/admin/rules/audited');
      const trail = await admin.get('/v1/admin/audit?limit=500');
      const events = (
        trail.body.items as {
          action: string;
          targetId: string | null;
          details: Record<string, any>;
        }[]
      )
        .filter((e) => JSON.stringify(e).includes('audited'))
        .reverse();
      expect(events.map((e) => e.action)).toEqual([
        'rule.create',
        'rule.update',
        'rule.move',
        'rule.delete',
      ]);
      const update = events[1]!;
      expect(update.details.before).toMatchObject({ name: 'audited', match: { paths: ['/a'] } });
      expect(update.details.after).toMatchObject({
        rule: { name: 'audited', match: { paths: ['/b'] } },
      });
      expect(events[3]!.details.before).toMatchObject({ name: 'audited', position: 1 });
    });

    it('is for admins only', async () => {
      const asAlice = client(service.url, keys.alice);
      expect((await asAlice.get('/v1/admin/rules')).status).toBe(403);
      expect((await asAlice.post('/v1/admin/rules', { body: {} })).status).toBe(403);
      expect((await asAlice.put('/v1/admin/default-rule', { body: {} })).status).toBe(403);
      expect((await call(service.url, 'GET', '/v1/admin/rules')).status).toBe(401);
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

import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { CheckResponse } from '../../src/adapters/envoy-grpc/envoy-proto.js';
import { caddyAvailable, startCaddy, type RunningCaddy } from '../support/caddy.js';
import {
  createGroup,
  createKey,
  createUser,
  decisionLines,
  rawRequest,
  uniquePath,
  type AdminClient,
} from '../support/decisions.js';
import { EchoUpstream } from '../support/echo-upstream.js';
import { checkClient, type CheckClient } from '../support/grpc.js';
import { client } from '../support/http.js';
import { nginxAvailable, startNginx, type RunningNginx } from '../support/nginx.js';
import { rawExchange } from '../support/raw-http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Named rule sets (docs/authorization.md, "Rule sets"): the proxy chooses one per route, through
 * Envoy's context_extensions or the endpoint's path, and only that set's rules (then the default)
 * decide. Every case goes through the JSON API, nginx's, the forward and Envoy's HTTP endpoints,
 * and gRPC; real nginx and Caddy then call the set endpoints as their example configs would.
 */
type Who = 'alice' | 'paul' | 'nora';

interface Case {
  name: string;
  /** null: the global list. */
  set: string | null;
  method?: string;
  uri: string;
  as?: Who;
  status: 200 | 401 | 403;
  reason: string;
  rule: string | null;
}

const rule = (
  name: string,
  effect: string,
  match: { paths?: string[]; methods?: string[] },
  require: object[] = [],
  ruleSet?: string,
) => ({ name, effect, match, require, ...(ruleSet !== undefined && { ruleSet }) });

// The global list closes /admin and asks a credential for orders; the orders-api set opens
// reading orders and lets writers create them; partners-api is for partners only.
const RULES = [
  rule('admin-closed', 'deny', { paths: ['/admin/**'] }),
  rule('orders', 'authenticated', { paths: ['/orders/**'] }),
  rule('orders-read', 'public', { paths: ['/orders/**'], methods: ['GET', 'HEAD'] }, [], 'orders-api'),
  rule('orders-write', 'authenticated', { paths: ['/orders', '/orders/**'], methods: ['POST'] }, [{ anyGroups: ['writers'] }], 'orders-api'),
  rule('partners-only', 'authenticated', {}, [{ anyGroups: ['partners'] }], 'partners-api'),
]; // prettier-ignore

// prettier-ignore
const CASES: Case[] = [
  { name: 'global list', set: null, uri: '/orders/7', status: 401, reason: 'missing_credential', rule: 'orders' },
  { name: 'global deny', set: null, uri: '/admin/x', as: 'alice', status: 403, reason: 'rule_denied', rule: 'admin-closed' },
  { name: 'set opens what the global list closes', set: 'orders-api', uri: '/orders/7', status: 200, reason: 'anonymous', rule: 'orders-read' },
  { name: 'set, its group missing', set: 'orders-api', method: 'POST', uri: '/orders', as: 'nora', status: 403, reason: 'group_denied', rule: 'orders-write' },
  { name: 'set, its group present', set: 'orders-api', method: 'POST', uri: '/orders', as: 'alice', status: 200, reason: 'authenticated', rule: 'orders-write' },
  { name: 'set ends at the default, not the global rules', set: 'orders-api', uri: '/admin/x', as: 'alice', status: 200, reason: 'authenticated', rule: 'default' },
  { name: 'set, anonymous at the default', set: 'orders-api', uri: '/admin/x', status: 401, reason: 'missing_credential', rule: 'default' },
  { name: 'another set', set: 'partners-api', uri: '/orders/7', as: 'alice', status: 403, reason: 'group_denied', rule: 'partners-only' },
  { name: 'another set, its member', set: 'partners-api', uri: '/orders/7', as: 'paul', status: 200, reason: 'authenticated', rule: 'partners-only' },
  { name: 'a set no rule names', set: 'nope', uri: '/orders/7', as: 'paul', status: 403, reason: 'unknown_rule_set', rule: null },
  { name: 'a set no rule names, anonymous', set: 'nope', uri: '/orders/7', status: 403, reason: 'unknown_rule_set', rule: null },
];

const HOST = 'api.example';
const setPath = (set: string | null, endpoint: string) =>
  set === null ? `/v1/authz/${endpoint}` : `/v1/authz/rule-sets/${set}/${endpoint}`;

describe('Rule sets', () => {
  let service: TestApp;
  let admin: AdminClient;
  let authz: CheckClient;
  const keys: Partial<Record<Who, string>> = {};
  const authorization = (c: Case) => (c.as ? `Bearer ${keys[c.as]}` : undefined);

  beforeAll(async () => {
    service = await startTestApp({ env: { GRPC_PORT: '0' } });
    admin = client(service.url, service.adminKey);
    for (const group of ['writers', 'partners']) await createGroup(admin, group);
    for (const [username, groups] of [
      ['alice', ['writers']],
      ['paul', ['partners']],
      ['nora', []],
    ] as const) {
      await createUser(admin, username, { groups: [...groups] });
      keys[username] = (await createKey(admin, { username })).key;
    }
    const current = await admin.get('/v1/admin/rules');
    const put = await admin.put('/v1/admin/rules', {
      headers: { 'if-match': current.headers.get('etag')! },
      body: { rules: RULES },
    });
    expect(put.status).toBe(200);
    expect(put.body.warnings).toEqual([]);
    authz = checkClient(service);
  }, 120_000);
  afterAll(async () => {
    authz?.close();
    await service?.close();
  });

  it('POST /v1/decisions with ruleSet decides every case', async () => {
    for (const c of CASES) {
      const reply = await admin.post('/v1/decisions', {
        body: {
          method: c.method ?? 'GET',
          path: c.uri,
          host: HOST,
          ...(c.set !== null && { ruleSet: c.set }),
          ...(c.as && { credential: keys[c.as] }),
        },
      });
      expect([c.name, reply.body.status, reply.body.reason, reply.body.rule]).toEqual([
        c.name,
        c.status,
        c.reason,
        c.rule,
      ]);
    }
  });

  it.each(CASES)('nginx endpoint, $name: $status $reason', async (c) => {
    const auth = authorization(c);
    const reply = await rawRequest(service.url, 'GET', setPath(c.set, 'nginx'), {
      'x-original-uri': c.uri,
      'x-original-method': c.method ?? 'GET',
      'x-forwarded-host': HOST,
      ...(auth && { authorization: auth }),
    });
    expect(reply.status).toBe(c.status);
    expect(reply.headers['x-auth-reason']).toBe(c.status === 200 ? undefined : c.reason);
  });

  it.each(CASES)('forward endpoint, $name: $status $reason', async (c) => {
    const auth = authorization(c);
    const reply = await rawRequest(service.url, 'GET', setPath(c.set, 'forward'), {
      'x-forwarded-uri': c.uri,
      'x-forwarded-method': c.method ?? 'GET',
      'x-forwarded-host': HOST,
      ...(auth && { authorization: auth }),
    });
    expect(reply.status).toBe(c.status);
  });

  it.each(CASES)('Envoy HTTP, $name: $status $reason', async (c) => {
    const auth = authorization(c);
    const reply = await rawRequest(
      service.url,
      c.method ?? 'GET',
      setPath(c.set, 'envoy') + c.uri,
      {
        host: HOST,
        ...(auth && { authorization: auth }),
      },
    );
    expect(reply.status).toBe(c.status);
    if (c.status !== 200) {
      expect(JSON.parse(reply.text)).toEqual({ status: c.status, reason: c.reason });
    }
  });

  const check = (c: Case, extensions: Record<string, string>) => {
    const auth = authorization(c);
    return new Promise<CheckResponse>((resolve, reject) =>
      authz.Check(
        {
          attributes: {
            context_extensions: extensions,
            request: {
              http: {
                method: c.method ?? 'GET',
                path: c.uri,
                host: HOST,
                headers: auth ? { authorization: auth } : {},
              },
            },
          },
        },
        (error, response) => (error ? reject(error) : resolve(response)),
      ),
    );
  };

  it.each(CASES)('gRPC context_extensions, $name: $status $reason', async (c) => {
    const response = await check(
      c,
      c.set === null ? { other: 'x' } : { 'portcullis.rules': c.set, other: 'x' },
    );
    if (c.status === 200) {
      expect(response.status?.code ?? 0).toBe(grpc.status.OK);
      const rule = response.dynamic_metadata?.fields.rule as { string_value?: string } | undefined;
      expect(rule?.string_value).toBe(c.rule);
      return;
    }
    expect(response.denied_response?.status?.code).toBe(c.status);
    expect(JSON.parse(response.denied_response!.body!)).toEqual({
      status: c.status,
      reason: c.reason,
    });
  });

  it('takes the set from the endpoint path only: a query or header naming another is ignored', async () => {
    // Caddy appends the client's query string to the auth call's URI; a client cannot choose.
    for (const endpoint of ['nginx', 'forward']) {
      const reply = await rawRequest(
        service.url,
        'GET',
        `${setPath(null, endpoint)}?ruleSet=orders-api&portcullis.rules=orders-api`,
        {
          'x-original-uri': '/orders/7',
          'x-original-method': 'GET',
          'x-forwarded-uri': '/orders/7',
          'x-forwarded-method': 'GET',
          'x-forwarded-host': HOST,
          'x-portcullis-rules': 'orders-api',
          'portcullis.rules': 'orders-api',
        },
      );
      expect([endpoint, reply.status, reply.headers['x-auth-reason']]).toEqual([
        endpoint,
        401,
        'missing_credential',
      ]);
    }
  });

  it('refuses, never defaults, an empty or malformed rule set name from Envoy', async () => {
    for (const name of ['', 'Orders-API', '../orders-api']) {
      const response = await check(
        { name, set: null, uri: '/orders/7', status: 403, reason: '', rule: null },
        { 'portcullis.rules': name },
      );
      expect([name, response.denied_response?.status?.code]).toEqual([name, 403]);
      expect(JSON.parse(response.denied_response!.body!).reason).toBe('unknown_rule_set');
    }
  });

  it('explains which set decided, and says when there is none', async () => {
    const explain = (ruleSet: string) =>
      admin.post('/v1/decisions', {
        body: { path: '/orders', method: 'POST', ruleSet, explain: true, credential: keys.nora },
      });
    const known = await explain('orders-api');
    expect(known.body.trace[0]).toEqual({
      step: 'rule set',
      name: 'orders-api',
      result: 'matched',
      detail: 'the proxy chose rule set orders-api: its rules decide, then the default rule',
    });
    // Only the set's own rules are considered.
    expect(
      known.body.trace
        .filter((s: { step: string }) => s.step === 'rule')
        .map((s: { name: string }) => s.name),
    ).toEqual(['orders-read', 'orders-write']);
    expect(known.body.trace.at(-1)).toMatchObject({ name: 'anyGroups', result: 'failed' });
    const unknown = await explain('nope');
    expect(unknown.body).toMatchObject({ reason: 'unknown_rule_set', rule: null });
    expect(unknown.body.trace).toEqual([
      {
        step: 'rule set',
        name: 'nope',
        result: 'failed',
        detail: 'no rule belongs to rule set nope: refused as unknown_rule_set',
      },
    ]);
  });

  it('logs the set the proxy chose', async () => {
    const path = uniquePath('orders');
    const reply = await rawRequest(service.url, 'GET', setPath('orders-api', 'nginx'), {
      'x-original-uri': path,
      'x-original-method': 'GET',
    });
    expect(reply.status).toBe(200);
    const [line] = await decisionLines(service, path);
    expect(line).toMatchObject({ granted: true, rule: 'orders-read', ruleSet: 'orders-api' });
  });

  it("accepts docs/authorization.md's rule set example as written", async () => {
    const guide = readFileSync(join(import.meta.dirname, '../../docs/authorization.md'), 'utf8');
    const section = guide.slice(guide.indexOf('## Rule sets'));
    const example = parse(/```yaml\n([\s\S]*?)```/.exec(section)![1]!) as { rules: unknown[] };
    const linted = await admin.post('/v1/admin/rules/lint', { body: example });
    expect([linted.status, linted.body.warnings]).toEqual([200, []]);
    expect(example.rules).toContainEqual(expect.objectContaining({ ruleSet: 'orders-api' }));
  });

  describe('the rules API', () => {
    it('shows, changes and checks the set a rule belongs to', async () => {
      const list = await admin.get('/v1/admin/rules');
      expect(
        list.body.rules.map((r: { name: string; ruleSet: string | null }) => [r.name, r.ruleSet]),
      ).toEqual([
        ['admin-closed', null],
        ['orders', null],
        ['orders-read', 'orders-api'],
        ['orders-write', 'orders-api'],
        ['partners-only', 'partners-api'],
      ]);
      const bad = await admin.post('/v1/admin/rules', {
        body: { name: 'x', effect: 'deny', ruleSet: 'Orders API' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([
        { pointer: '#/ruleSet', detail: expect.stringContaining('lower-case letters') },
      ]);
      // A rule that the set's earlier rule covers is unreachable; the global list's are not compared.
      const added = await admin.post('/v1/admin/rules', {
        body: {
          name: 'orders-read-again',
          effect: 'public',
          match: { paths: ['/orders/1'], methods: ['GET'] },
          ruleSet: 'orders-api',
        },
      });
      expect(added.status).toBe(201);
      expect(added.body.rule.ruleSet).toBe('orders-api');
      expect(added.body.warnings).toEqual([
        expect.objectContaining({ rule: 'orders-read-again', code: 'unreachable' }),
      ]);
      const moved = await admin.patch('/v1/admin/rules/orders-read-again', {
        body: { ruleSet: null },
      });
      expect(moved.status).toBe(200);
      expect(moved.body.rule.ruleSet).toBeNull();
      expect(moved.body.warnings).toEqual([
        expect.objectContaining({
          rule: 'orders-read-again',
          code: 'unreachable',
          message: expect.stringContaining('orders,'),
        }),
      ]);
      const gone = await admin.delete('/v1/admin/rules/orders-read-again');
      expect(gone.status).toBe(204);
    });

    it('refuses a set once its last rule is gone', async () => {
      const added = await admin.post('/v1/admin/rules', {
        body: { name: 'short-lived', effect: 'public', ruleSet: 'short' },
      });
      expect(added.status).toBe(201);
      const decide = () => admin.post('/v1/decisions', { body: { path: '/x', ruleSet: 'short' } });
      expect((await decide()).body).toMatchObject({ status: 200, rule: 'short-lived' });
      await admin.delete('/v1/admin/rules/short-lived');
      expect((await decide()).body).toMatchObject({ status: 403, reason: 'unknown_rule_set' });
    });
  });

  const runNginx = nginxAvailable() || process.env.CI === 'true';
  (runNginx ? describe : describe.skip)('through real nginx', () => {
    let upstream: EchoUpstream;
    let global: RunningNginx;
    let orders: RunningNginx;
    beforeAll(async () => {
      upstream = await new EchoUpstream().start();
      const port = Number(new URL(service.url).port);
      global = await startNginx(port, upstream.port);
      orders = await startNginx(port, upstream.port, { ruleSet: 'orders-api' });
    }, 30_000);
    afterAll(async () => {
      await global?.stop();
      await orders?.stop();
      await upstream?.stop();
    });

    it('decides each location by the set its auth call names', async () => {
      const send = (nginx: RunningNginx, method: string, who?: Who) =>
        rawExchange(nginx.port, method, '/orders/7', [
          ['Host', HOST],
          ...(who ? [['Authorization', `Bearer ${keys[who]}`] as [string, string]] : []),
        ]);
      const before = upstream.received.length;
      expect((await send(global, 'GET')).status).toBe(401);
      expect((await send(orders, 'GET')).status).toBe(200);
      expect((await send(orders, 'POST', 'nora')).status).toBe(403);
      expect((await send(orders, 'POST', 'alice')).status).toBe(200);
      expect(upstream.received.slice(before).map((r) => r.method)).toEqual(['GET', 'POST']);
    });
  });

  const runCaddy = caddyAvailable() || process.env.CI === 'true';
  (runCaddy ? describe : describe.skip)('through real Caddy', () => {
    let upstream: EchoUpstream;
    let caddy: RunningCaddy;
    beforeAll(async () => {
      upstream = await new EchoUpstream().start();
      const port = Number(new URL(service.url).port);
      caddy = await startCaddy(port, upstream.port, { ruleSet: 'partners-api' });
    }, 30_000);
    afterAll(async () => {
      await caddy?.stop();
      await upstream?.stop();
    });

    it('decides by the set in forward_auth uri, whatever query or headers the client adds', async () => {
      const send = (path: string, who?: Who) =>
        rawExchange(caddy.port, 'GET', path, [
          ['Host', HOST],
          ['X-Portcullis-Rules', 'orders-api'],
          ...(who ? [['Authorization', `Bearer ${keys[who]}`] as [string, string]] : []),
        ]);
      const before = upstream.received.length;
      expect((await send('/orders/7?ruleSet=orders-api')).status).toBe(401);
      expect((await send('/orders/7', 'alice')).status).toBe(403);
      expect((await send('/orders/7?x=1', 'paul')).status).toBe(200);
      expect(upstream.received.slice(before).map((r) => r.url)).toEqual(['/orders/7?x=1']);
    });
  });
});

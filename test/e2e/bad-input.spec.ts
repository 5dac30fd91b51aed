import fc from 'fast-check';
import { normaliseIp } from '../../src/core/client-ip.js';
import { createKey, createUser, type AdminClient, type CreatedKey } from '../support/decisions.js';
import { client } from '../support/http.js';
import { rawExchange, type RawAnswer } from '../support/raw-http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Starting the service (the embedded database above all) is slow on a busy 2-core machine. */
const SLOW_START_MS = 120_000;

/** Property runs stay small: the suite runs on 2 cores. */
const RUNS = { numRuns: 40 };
const PRINTABLE = /^[\x20-\x7e]*$/;

// Bad input through the real HTTP interfaces, sent byte for byte: never a 500, never a hang,
// always the documented error form (decision endpoints: 401/403 with a reason, or Node's own
// 400/431 for a request it cannot parse; admin API: RFC 9457 problem JSON; introspection: RFC
// 7662 errors), and never a change to stored data from a rejected request.
describe('Bad input', () => {
  let service: TestApp;
  let port: number;
  let admin: AdminClient;
  let key: CreatedKey;
  let basicKey: CreatedKey;

  const nginx = (headers: [string, string | Buffer][]) =>
    rawExchange(port, 'GET', '/v1/authz/nginx', [
      ['X-Original-URI', '/orders'],
      ['X-Original-Method', 'GET'],
      ...headers,
    ]);
  const envoy = (headers: [string, string | Buffer][]) =>
    rawExchange(port, 'GET', '/v1/authz/envoy/orders', headers);

  beforeAll(async () => {
    service = await startTestApp();
    port = Number(new URL(service.url).port);
    admin = client(service.url, service.adminKey);
    await createUser(admin, 'alice');
    key = await createKey(admin, { username: 'alice' });
    basicKey = await createKey(admin, { username: 'alice' }, { type: 'basic' });
    expect(
      (
        await admin.patch('/v1/admin/settings', {
          body: { trustedProxies: ['127.0.0.1'] },
        })
      ).status,
    ).toBe(200);
    const rules = await admin.get('/v1/admin/rules');
    const put = await admin.put('/v1/admin/rules', {
      headers: { 'if-match': rules.headers.get('etag')! },
      body: {
        rules: [
          { name: 'public', effect: 'public', match: { paths: ['/public/**'] } },
          {
            name: 'ip-host',
            effect: 'authenticated',
            match: { hosts: ['ip.example'] },
            require: [{ ipRanges: ['203.0.113.0/24'] }],
          },
        ],
      },
    });
    expect(put.status).toBe(200);
  }, SLOW_START_MS);
  afterAll(() => service?.close());

  /** A refusal in the decision endpoints' documented form, or Node's own parse error. */
  function expectRefused(answer: RawAnswer, what: string): void {
    const refused = [401, 403].includes(answer.status) && answer.headers['x-auth-reason'] !== '';
    const unparseable = [400, 431].includes(answer.status);
    if (!refused && !unparseable) {
      throw new Error(`${what}: answered ${answer.status} ${answer.headers['x-auth-reason']}`);
    }
  }

  describe('Authorization header', () => {
    const schemes = [
      'Bearer',
      'bearer',
      'BEARER',
      'bEaReR',
      'Basic',
      'basic',
      'BASIC',
      'Digest',
      'Token',
      'Negotiate',
      '',
    ];

    it('any bytes after any scheme spelling: refused, never a 500 or a hang (nginx and Envoy)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...schemes),
          fc.constantFrom(' ', '  ', '\t', ''),
          // Any byte but CR and LF, which would end the header line.
          fc
            .uint8Array({ maxLength: 300 })
            .map((bytes) => Buffer.from(bytes.filter((b) => b !== 10 && b !== 13))),
          async (scheme, gap, bytes) => {
            const value = Buffer.concat([Buffer.from(scheme + gap), bytes]);
            expectRefused(
              await nginx([['Authorization', value]]),
              `nginx ${value.toString('hex')}`,
            );
            expectRefused(
              await envoy([['Authorization', value]]),
              `envoy ${value.toString('hex')}`,
            );
          },
        ),
        RUNS,
      );
    });

    it('takes the scheme name in any case (RFC 9110 §11.1), and no other scheme for a key', async () => {
      for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
        expect((await nginx([['Authorization', `${scheme} ${key.key}`]])).status).toBe(200);
      }
      for (const scheme of ['Token', 'Digest', 'Bearerx', 'Bear', 'Basic']) {
        const answer = await nginx([['Authorization', `${scheme} ${key.key}`]]);
        expect([answer.status, scheme]).toEqual([401, scheme]);
      }
      const basic = Buffer.from(`alice:${basicKey.key}`).toString('base64');
      for (const scheme of ['Basic', 'basic', 'BASIC']) {
        expect((await nginx([['Authorization', `${scheme} ${basic}`]])).status).toBe(200);
      }
    });

    it.each([
      ['empty', ''],
      ['a scheme alone', 'Bearer'],
      ['a scheme and a space', 'Bearer '],
      ['Basic alone', 'Basic '],
      ['invalid base64', 'Basic !!!not*base64!!!'],
      ['base64 with a space inside', 'Basic YWxp Y2U6eA=='],
      ['no colon', `Basic ${Buffer.from('alice').toString('base64')}`],
      ['invalid UTF-8', `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x61]).toString('base64')}`],
      ['a NUL in the user', `Basic ${Buffer.from('ali\u0000ce:x').toString('base64')}`],
      ['a control character in the token', 'Bearer pcl_\u0001abc'],
      ['a key cut short', 'Bearer pcl_abc'],
      ['an oversized token (60 KB)', `Bearer ${'a'.repeat(60_000)}`],
      ['an oversized Basic value (60 KB)', `Basic ${'QUFB'.repeat(15_000)}`],
    ])('%s: 401 with a reason', async (_what, value) => {
      const answer = await nginx([['Authorization', Buffer.from(value, 'latin1')]]);
      expect(answer.status === 401 || answer.status === 400).toBe(true);
      if (answer.status === 401) expect(answer.headers['x-auth-reason']).toMatch(/^[a-z_]+$/);
    });

    it('refuses headers beyond 64 KB with 431, not a 500', async () => {
      expect((await nginx([['Authorization', `Bearer ${'a'.repeat(70_000)}`]])).status).toBe(431);
    });

    it('refuses several Authorization headers, even when each alone would pass', async () => {
      for (const pair of [
        [`Bearer ${key.key}`, `Bearer ${key.key}`],
        [`Bearer ${key.key}`, 'Bearer junk'],
        ['Bearer junk', `Bearer ${key.key}`],
        [`Bearer ${key.key}`, ''],
      ]) {
        const answer = await nginx(
          pair.map((value) => ['Authorization', value] as [string, string]),
        );
        expect([answer.status, answer.headers['x-auth-reason']]).toEqual([
          401,
          'malformed_credential',
        ]);
      }
    });

    it.each([
      ['GET', '/v1/admin/groups', ''],
      ['GET', '/v1/me', ''],
      ['POST', '/v1/decisions', '{"credential":"x"}'],
      ['POST', '/oauth2/introspect', 'token=x'],
      ['GET', '/console/session', ''],
    ])(
      'refuses two Authorization headers on %s %s with a 400 problem, in either order',
      async (method, path, body) => {
        const type = body.startsWith('{')
          ? 'application/json'
          : 'application/x-www-form-urlencoded';
        const admin = `Bearer ${service.adminKey}`;
        for (const pair of [
          [admin, 'Bearer junk'],
          ['Bearer junk', admin],
          [admin, admin],
        ]) {
          const answer = await rawExchange(
            port,
            method,
            path,
            [
              ...pair.map((value) => ['Authorization', value] as [string, string]),
              ...(body === '' ? [] : ([['Content-Type', type]] as [string, string][])),
            ],
            body,
          );
          expect({ pair: pair.map((v) => v.slice(0, 12)), status: answer.status }).toEqual({
            pair: pair.map((v) => v.slice(0, 12)),
            status: 400,
          });
          // Introspection answers in OAuth's own error form (RFC 6749 §5.2), the rest as problems.
          expect(answer.headers['content-type']).toContain(
            path.startsWith('/oauth2/') ? 'application/json' : 'application/problem+json',
          );
          expect(answer.body).toContain('one Authorization header');
          if (path.startsWith('/oauth2/')) expect(answer.body).toContain('"invalid_request"');
        }
        // One header of the pair alone passes the same check.
        const one = await rawExchange(
          port,
          method,
          path,
          [
            ['Authorization', admin],
            ...(body === '' ? [] : ([['Content-Type', type]] as [string, string][])),
          ],
          body,
        );
        expect(one.status).not.toBe(400);
      },
    );

    it('answers GET and HEAD on /oauth2/introspect with 405, never repeating the token', async () => {
      for (const method of ['GET', 'HEAD']) {
        const answer = await rawExchange(port, method, `/oauth2/introspect?token=${key.key}`, [
          ['Authorization', `Bearer ${service.adminKey}`],
        ]);
        expect([method, answer.status, answer.headers.allow]).toEqual([method, 405, 'POST']);
        expect(answer.headers['cache-control']).toBe('no-store');
        expect(answer.body).not.toContain(key.key);
        expect(answer.body).not.toContain(key.keyId);
      }
    });

    it('never repeats a credential from the URL in an error', async () => {
      for (const path of [
        `/v1/nothing-here?token=${key.key}`,
        `/oauth2/nothing?access_token=${key.key}`,
        `/v1/admin/keys/${key.key}`,
      ]) {
        const answer = await rawExchange(port, 'GET', path, [
          ['Authorization', `Bearer ${service.adminKey}`],
        ]);
        expect({ path, status: answer.status }).toEqual({ path, status: expect.any(Number) });
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.body).not.toContain(key.key);
      }
    });

    it('never takes a token from the query string, with or without a header', async () => {
      const inQuery = await rawExchange(port, 'GET', '/v1/authz/nginx', [
        ['X-Original-URI', `/orders?access_token=${key.key}`],
        ['X-Original-Method', 'GET'],
      ]);
      expect([inQuery.status, inQuery.headers['x-auth-reason']]).toEqual([
        401,
        'missing_credential',
      ]);
      const both = await rawExchange(port, 'GET', `/v1/authz/nginx?access_token=${key.key}`, [
        ['X-Original-URI', `/orders?access_token=${key.key}`],
        ['X-Original-Method', 'GET'],
        ['Authorization', 'Bearer junk'],
      ]);
      expect(both.status).toBe(401);
    });
  });

  describe('X-Forwarded-For, X-Original-URI and paths', () => {
    const entry = fc.oneof(
      fc.constantFrom(
        '203.0.113.7',
        '::ffff:203.0.113.7',
        '[::ffff:203.0.113.7]',
        '::ffff:cb00:7107',
        '203.0.113.7%eth0',
        '127.0.0.1',
        '::ffff:127.0.0.1',
        '198.51.100.1',
        '2001:db8::1',
        'fe80::1%eth0',
        'fe80::1%25eth0',
        '999.1.1.1',
        '203.0.113',
        '',
        'unknown',
        '_hidden',
      ),
      fc.ipV4(),
      fc.ipV6(),
      fc.string({ maxLength: 20 }).filter((s) => PRINTABLE.test(s) && !s.includes(',')),
    );

    /** The client the documented rule picks: the right-most entry that is not the trusted proxy. */
    function expectedClient(list: string[]): string | undefined {
      let client: string | undefined = '127.0.0.1';
      for (const raw of list.slice(-64).reverse()) {
        const ip = normaliseIp(raw);
        if (ip === undefined) return client;
        client = ip;
        if (ip !== '127.0.0.1') return ip;
      }
      return client;
    }

    it('any list (malformed addresses, zones, mapped addresses, up to hundreds of entries): the documented client, or refused', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(entry, { maxLength: 300 }), async (list) => {
          const answer = await nginx([
            ['Authorization', `Bearer ${key.key}`],
            ['X-Forwarded-Host', 'ip.example'],
            ['X-Forwarded-For', list.join(', ')],
          ]);
          const client = expectedClient(list) ?? '';
          const inRange = /^203\.0\.113\.\d+$/.test(client);
          expect({ list, status: answer.status }).toEqual({ list, status: inRange ? 200 : 403 });
          if (!inRange) expect(answer.headers['x-auth-reason']).toBe('ip_denied');
        }),
        RUNS,
      );
    });

    const segment = fc.constantFrom(
      'public',
      'x',
      '',
      '.',
      '..',
      '%2e',
      '%2E%2e',
      '%2f',
      '%2F..',
      '%5c',
      '..;',
      ';x',
      '%252e%252e',
      '%00',
      '%',
      '%zz',
      'admin',
      '\\',
      '~',
      'a%20b',
    );

    it('any X-Original-URI under a public rule: anonymous access only to paths that needed no normalising', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(segment, { maxLength: 8 }),
          fc.constantFrom('', '?q=1', '?x=/../admin', '#frag'),
          async (segments, suffix) => {
            const uri = `/public/${segments.join('/')}${suffix}`;
            const answer = await rawExchange(port, 'GET', '/v1/authz/nginx', [
              ['X-Original-URI', uri],
              ['X-Original-Method', 'GET'],
            ]);
            expect([200, 401]).toContain(answer.status);
            if (answer.status === 200) {
              // A fragment counts as needing normalising: it can hide dot segments.
              const clean = !uri.includes('#') && needsNoNormalising(uri.split('?')[0]!);
              expect({ uri, clean }).toEqual({
                uri,
                clean: true,
              });
            }
          },
        ),
        RUNS,
      );
    });

    /** docs/authorization.md's rule for paths a public rule may match: nothing to normalise, nothing encoded that could be read as structure. */
    function needsNoNormalising(path: string): boolean {
      const segments = path.split('/').slice(1);
      return (
        path.startsWith('/public') &&
        segments.every(
          (segment, i) =>
            segment !== '.' && segment !== '..' && (segment !== '' || i === segments.length - 1),
        ) &&
        !/[;\\]/.test(path) &&
        !/%(2f|5c|2e|25|3b)/i.test(path) &&
        !/%(?![0-9a-f]{2})/i.test(path)
      );
    }

    it.each([
      '/public/%2e%2e/admin',
      '/public/..;/admin',
      '/public//x',
      '/public/%2F../admin',
      '/public/%252e%252e/admin',
      '/public/./x',
      '/public/x/../../admin',
      '/public\\..\\admin',
      '/public/%00',
      '/public/%zz',
    ])('%s needs a credential', async (uri) => {
      const answer = await rawExchange(port, 'GET', '/v1/authz/nginx', [
        ['X-Original-URI', uri],
        ['X-Original-Method', 'GET'],
      ]);
      expect([answer.status, answer.headers['x-auth-reason']]).toEqual([401, 'missing_credential']);
    });
  });

  describe('Admin API', () => {
    /** `token`: a string of any length is a valid question (a long credential is just refused). */
    type Kind = 'string' | 'token' | 'strings' | 'boolean' | 'int';
    interface Endpoint {
      method: 'POST' | 'PATCH' | 'PUT';
      path: string;
      /** A body that would be accepted, which each case then spoils in one field. */
      valid: () => Record<string, unknown>;
      fields: Record<string, Kind>;
    }
    const endpoints: Endpoint[] = [
      {
        method: 'POST',
        path: '/v1/admin/users',
        valid: () => ({ username: 'valid-user' }),
        fields: {
          username: 'string',
          email: 'string',
          displayName: 'string',
          disabled: 'boolean',
          groups: 'strings',
        },
      },
      {
        method: 'POST',
        path: '/v1/admin/groups',
        valid: () => ({ name: 'valid-group' }),
        fields: { name: 'string', description: 'string' },
      },
      {
        method: 'POST',
        path: '/v1/admin/keys',
        valid: () => ({ username: 'alice', name: 'k', type: 'bearer', expiresIn: 'never' }),
        fields: {
          username: 'string',
          name: 'string',
          description: 'string',
          type: 'string',
          expiresIn: 'string',
          emailToOwner: 'boolean',
          allowedIps: 'strings',
        },
      },
      {
        method: 'POST',
        path: '/v1/admin/rules',
        valid: () => ({ name: 'valid-rule', effect: 'deny', match: { paths: ['/valid/**'] } }),
        fields: {
          name: 'string',
          effect: 'string',
          match: 'strings',
          require: 'strings',
          description: 'string',
          before: 'string',
          after: 'string',
        },
      },
      {
        method: 'PUT',
        path: '/v1/admin/default-rule',
        valid: () => ({ effect: 'authenticated', require: [{ anyGroups: [] }] }),
        fields: { effect: 'string', require: 'strings' },
      },
      {
        method: 'POST',
        path: '/v1/admin/introspection-clients',
        valid: () => ({ name: 'valid-client' }),
        fields: { name: 'string', clientId: 'string' },
      },
      {
        method: 'POST',
        path: '/v1/admin/providers',
        valid: () => ({ name: 'p', preset: 'google', clientId: 'c', discover: false }),
        fields: {
          name: 'string',
          preset: 'string',
          clientId: 'string',
          clientSecret: 'string',
          issuer: 'string',
          validation: 'string',
          strictJwt: 'boolean',
          position: 'int',
          discover: 'boolean',
        },
      },
      {
        method: 'POST',
        path: '/v1/decisions',
        valid: () => ({ credential: 'x', path: '/orders' }),
        fields: {
          method: 'string',
          path: 'token',
          host: 'string',
          ip: 'string',
          credential: 'token',
        },
      },
      {
        method: 'PATCH',
        path: '/v1/admin/settings',
        valid: () => ({ identityHeaderStyle: 'x-auth' }),
        fields: {
          enabled: 'boolean',
          disablePasswordBasicAuth: 'boolean',
          maxKeyLifetime: 'string',
          maxActiveKeysPerUser: 'int',
          trustedProxies: 'strings',
          identityHeaderStyle: 'string',
        },
      },
    ];

    const SQLISH = [
      "' OR '1'='1",
      "x'); DROP TABLE users; --",
      '1; SELECT pg_sleep(10)',
      "admin'--",
      '" OR ""="',
      '\u0000',
    ];
    const sqlish = fc.constantFrom(...SQLISH);
    const huge = fc.integer({ min: 2000, max: 60_000 }).map((n) => 'a'.repeat(n));
    const wrongFor: Record<Kind, fc.Arbitrary<unknown>> = {
      string: fc.oneof(
        fc.integer(),
        fc.boolean(),
        fc.array(sqlish, { minLength: 1 }),
        fc.dictionary(fc.string(), fc.string(), { minKeys: 1 }),
        huge,
      ),
      token: fc.oneof(
        fc.integer(),
        fc.boolean(),
        fc.array(sqlish, { minLength: 1 }),
        fc.dictionary(fc.string(), fc.string(), { minKeys: 1 }),
      ),
      strings: fc.oneof(
        sqlish,
        fc.integer(),
        fc.boolean(),
        fc.array(fc.integer(), { minLength: 1 }),
        fc.array(sqlish, { minLength: 1000, maxLength: 1200 }),
        fc.array(fc.dictionary(fc.string(), fc.integer(), { minKeys: 1 }), { minLength: 1 }),
      ),
      boolean: fc.oneof(
        sqlish,
        fc.integer(),
        fc.constantFrom('true', 'false', 'yes', 1, 0),
        fc.array(fc.boolean()),
      ),
      int: fc.oneof(
        sqlish,
        // Only values JSON carries: NaN and ±Infinity would be sent as null, a valid value.
        fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom('5', true, -1e12, 1e300),
      ),
    };

    async function snapshot(): Promise<string> {
      const parts = [];
      for (const path of [
        '/v1/admin/users?limit=200',
        '/v1/admin/groups?limit=200',
        '/v1/admin/keys?limit=200',
        '/v1/admin/rules',
        '/v1/admin/default-rule',
        '/v1/admin/introspection-clients',
        '/v1/admin/providers',
        '/v1/admin/settings',
      ]) {
        const reply = await admin.get(path);
        expect([path, reply.status]).toEqual([path, 200]);
        // Key use is recorded in the background: a flush during the test is no stored change.
        parts.push(reply.text.replace(/"lastUsedAt":("[^"]*"|null)/g, ''));
      }
      return parts.join('\n');
    }

    /** A rejection in RFC 9457 form: 400 (or 413 past the body limit), problem JSON, no 500. */
    function expectProblem(answer: RawAnswer, what: string, statuses = [400, 413]): void {
      if (!statuses.includes(answer.status)) {
        throw new Error(`${what}: answered ${answer.status} ${answer.body.slice(0, 200)}`);
      }
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(answer.body) as Record<string, unknown>;
      expect(problem).toMatchObject({ status: answer.status });
      expect(typeof problem.type).toBe('string');
      expect(typeof problem.title).toBe('string');
    }

    const send = (endpoint: Endpoint, body: string | Buffer, type = 'application/json') =>
      rawExchange(
        port,
        endpoint.method,
        endpoint.path,
        [
          ['Authorization', `Bearer ${service.adminKey}`],
          ['Content-Type', type],
        ],
        body,
      );

    it('every DTO, one field of the wrong type, or too long, or too many, or an unknown field: 400 problem JSON, and nothing stored', async () => {
      const before = await snapshot();
      for (const endpoint of endpoints) {
        const field = fc.constantFrom(...Object.keys(endpoint.fields));
        const spoilt = fc.oneof(
          field.chain((name) =>
            wrongFor[endpoint.fields[name]!].map((value) => ({
              ...endpoint.valid(),
              [name]: value,
            })),
          ),
          fc
            .tuple(
              fc.oneof(
                fc.string({ minLength: 1 }),
                fc.constantFrom('prototype', ...Object.getOwnPropertyNames(Object.prototype)),
              ),
              fc.oneof(fc.jsonValue(), sqlish),
            )
            .filter(([name]) => !(name in endpoint.fields))
            .map(([name, value]) => ({ ...endpoint.valid(), [name]: value })),
        );
        await fc.assert(
          fc.asyncProperty(spoilt, async (body) => {
            expectProblem(
              await send(endpoint, JSON.stringify(body)),
              `${endpoint.path} ${JSON.stringify(body).slice(0, 200)}`,
            );
          }),
          { numRuns: 25 },
        );
      }
      expect(await snapshot()).toBe(before);
    });

    it('bodies that are not a JSON object, broken JSON, a wrong content type, or too big: 400/413/415 problem JSON, nothing stored', async () => {
      const before = await snapshot();
      for (const endpoint of endpoints) {
        for (const body of [
          '[]',
          '"x"',
          '42',
          'null',
          'true',
          '{',
          '{"a":',
          '\u0000',
          '{"__proto__":{"admin":true}}',
          '{"prototype":{}}',
          '{"constructor":{}}',
          '{"a":[{"prototype":1}]}',
          '{"toString":1}',
          '{"valueOf":{}}',
          '{"hasOwnProperty":"x"}',
          '{"isPrototypeOf":true}',
        ]) {
          expectProblem(await send(endpoint, body), `${endpoint.path} ${body}`);
        }
        expectProblem(
          await send(endpoint, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
          `${endpoint.path} invalid UTF-8`,
        );
        expectProblem(
          await send(endpoint, JSON.stringify(endpoint.valid()), 'text/plain'),
          `${endpoint.path} text/plain`,
          [400, 415],
        );
        expectProblem(
          await send(
            endpoint,
            JSON.stringify({ ...endpoint.valid(), description: 'x'.repeat(300_000) }),
          ),
          `${endpoint.path} 300 KB`,
          [413],
        );
      }
      expect(await snapshot()).toBe(before);
    });

    it('stores SQL-looking text verbatim where text is allowed, and it stays inert', async () => {
      for (const description of SQLISH.filter((s) => !s.includes('\u0000'))) {
        const created = await admin.post('/v1/admin/groups', {
          body: { name: `g-${Math.random().toString(36).slice(2, 8)}`, description },
        });
        expect(created.status).toBe(201);
        expect((await admin.get(`/v1/admin/groups/${created.body.id}`)).body.description).toBe(
          description,
        );
      }
      const search = await admin.get(`/v1/admin/users?search=${encodeURIComponent("' OR '1'='1")}`);
      expect(search.status).toBe(200);
      expect(search.body.items).toEqual([]);
    });
  });

  describe('Introspection', () => {
    const introspect = (body: string | Buffer, type = 'application/x-www-form-urlencoded') =>
      rawExchange(
        port,
        'POST',
        '/oauth2/introspect',
        [
          ['Authorization', `Bearer ${service.adminKey}`],
          ['Content-Type', type],
        ],
        body,
      );

    it.each([
      ['no token', ''],
      ['an empty token', 'token='],
      ['two tokens', 'token=a&token=b'],
      ['only a hint', 'token_type_hint=access_token'],
      ['a misspelt field', 'tokens=abc'],
    ])('%s: 400 invalid_request', async (_what, body) => {
      const answer = await introspect(body);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_request' });
    });

    it('JSON instead of a form: 400 invalid_request', async () => {
      const answer = await introspect(JSON.stringify({ token: key.key }), 'application/json');
      expect([answer.status, JSON.parse(answer.body).error]).toEqual([400, 'invalid_request']);
    });

    it('a form sent as text/plain or XML, or past the body limit: 400 invalid_request', async () => {
      const plain = await introspect(`token=${key.key}`, 'text/plain');
      expect([plain.status, JSON.parse(plain.body).error]).toEqual([400, 'invalid_request']);
      const xml = await introspect(`<token>${key.key}</token>`, 'application/xml');
      expect([xml.status, JSON.parse(xml.body).error]).toEqual([400, 'invalid_request']);
      const big = await introspect(`token=${'a'.repeat(300_000)}`);
      // Every client error of this endpoint takes the RFC 7662 (OAuth) error form.
      expect([big.status, JSON.parse(big.body).error]).toEqual([400, 'invalid_request']);
    });

    it('any form body: an answer in RFC 7662 form, never a 500', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.tuple(
              fc.constantFrom('token', 'token_type_hint', 'x', 'token[]', 'TOKEN'),
              fc.oneof(fc.string(), fc.constant(key.key), sqlishForm()),
            ),
            { maxLength: 4 },
          ),
          async (pairs) => {
            const body = pairs
              .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
              .join('&');
            const answer = await introspect(body);
            expect([200, 400]).toContain(answer.status);
            const parsed = JSON.parse(answer.body) as Record<string, unknown>;
            if (answer.status === 200) expect(typeof parsed.active).toBe('boolean');
            else expect(parsed.error).toBe('invalid_request');
          },
        ),
        RUNS,
      );
    });
  });
});

function sqlishForm(): fc.Arbitrary<string> {
  return fc.constantFrom("' OR '1'='1", '%00', '\u0000', 'pcl_' + 'A'.repeat(600));
}

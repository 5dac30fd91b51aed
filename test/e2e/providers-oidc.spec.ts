import { createPublicKey, randomBytes } from 'node:crypto';
import { EchoUpstream } from '../support/echo-upstream.js';
import {
  createGroup,
  createUser,
  decisionLines,
  nginxCheck,
  rawRequest,
  uniquePath,
} from '../support/decisions.js';
import { call, client, type Reply } from '../support/http.js';
import { nginxAvailable, startNginx, type RunningNginx } from '../support/nginx.js';
import { RESOURCE, signJwt, TestOidcProvider } from '../support/oidc-provider.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Tokens from a real OpenID provider (oidc-provider, in this process) accepted by Portcullis:
// JWT access tokens checked against the provider's keys, opaque ones by introspection or
// userinfo, each mapped to a local user, through the decision endpoints, real nginx and RFC 7662.
describe('Identity providers with a real OpenID provider', () => {
  let idp: TestOidcProvider;
  let service: TestApp;
  let admin: ReturnType<typeof client>;
  let jwtProviderId: string;

  const decide = (token: string, extra: Record<string, unknown> = {}) =>
    admin.post('/v1/decisions', { body: { credential: token, path: '/orders', ...extra } });

  beforeAll(async () => {
    idp = await TestOidcProvider.start({
      accounts: {
        alice: {
          email: 'alice@example.com',
          preferred_username: 'alice',
          name: 'Alice',
          groups: ['idp-devs'],
          org: { team: 'core' },
        },
        bob: { email: 'Bob@Example.com', preferred_username: 'bob', groups: [] },
        carol: { email: 'carol@example.com', preferred_username: 'carol' },
        newbie: { email: 'newbie@example.com', preferred_username: 'newbie' },
      },
    });
    service = await startTestApp({
      env: {
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        JWKS_COOLDOWN_SECONDS: '0',
        CLOCK_SKEW_SECONDS: '0',
      },
    });
    admin = client(service.url, service.adminKey);
    await createGroup(admin, 'developers');
    await createUser(admin, 'alice', { email: 'alice@example.com', groups: ['developers'] });
    await createUser(admin, 'bob', { email: 'bob@example.com' });
    const carol = await createUser(admin, 'carol');
    await admin.patch(`/v1/admin/users/${carol}`, { body: { disabled: true } });

    const created = await admin.post('/v1/admin/providers', {
      body: {
        name: 'Test IdP',
        preset: 'custom',
        issuer: idp.issuer,
        clientId: 'portcullis',
        clientSecret: 'portcullis-secret',
        validation: 'jwt',
        audience: RESOURCE,
        strictJwt: true,
        usernameAttribute: 'sub',
      },
    });
    expect(created.status).toBe(201);
    jwtProviderId = created.body.id;
    // Starting the service and the provider takes longer than Jest's 30 s on a loaded machine.
  }, 120_000);
  afterAll(async () => {
    await service?.close();
    await idp?.stop();
  });

  it('shows what discovery found', async () => {
    const provider = (await admin.get(`/v1/admin/providers/${jwtProviderId}`)).body;
    expect(provider).toMatchObject({
      issuer: idp.issuer,
      jwksUri: idp.jwksUri,
      tokenEndpoint: idp.tokenEndpoint,
      userinfoEndpoint: idp.userinfoEndpoint,
      introspectionEndpoint: idp.introspectionEndpoint,
      authorizationEndpoint: idp.authorizationEndpoint,
      hasClientSecret: true,
    });
    expect(provider.discovery.issuer).toBe(idp.issuer);
    expect(provider.discoveredAt).not.toBeNull();
  });

  describe('JWT access tokens', () => {
    it('maps a valid JWT to the local user, with local groups', async () => {
      const reply = await decide(await idp.jwtAccessToken('alice'));
      expect(reply.body).toMatchObject({
        allowed: true,
        reason: 'authenticated',
        verifier: 'jwt',
        identity: {
          username: 'alice',
          groups: ['developers'],
          credential: {
            kind: 'provider_token',
            keyId: expect.stringMatching(/^tok_[0-9a-f]{12}$/),
          },
        },
        headers: { 'x-auth-user': 'alice' },
      });
    });

    it.each([
      ['expired', async () => forged({ exp: now() - 3600 }), 'expired_token'],
      ['not yet valid', async () => forged({ nbf: now() + 3600 }), 'invalid_token'],
      ['issued in the future', async () => forged({ iat: now() + 3600 }), 'invalid_token'],
      [
        'of another issuer, signed by this one',
        async () => forged({ iss: `${idp.issuer}/other` }),
        'unknown_credential',
      ],
      [
        'of another audience',
        async () => forged({ aud: 'https://other.example' }),
        'invalid_token',
      ],
      ['without exp', async () => forged({ exp: undefined }), 'invalid_token'],
      ['without typ at+jwt', async () => forged({}, { typ: 'JWT' }), 'invalid_token'],
      ['tampered', async () => tamper(await idp.jwtAccessToken('alice')), 'invalid_token'],
      ['alg none', async () => unsigned({ sub: 'alice' }), 'invalid_token'],
      // Algorithm confusion: HS256 keyed with the provider's public key, in the forms an attacker
      // takes it in (a verifier that let the token pick its algorithm would accept one).
      [
        'HMAC-signed with the public key as SPKI PEM',
        () => hmacWithPublicKey('pem'),
        'invalid_token',
      ],
      [
        'HMAC-signed with the public key as SPKI PEM without its final newline',
        () => hmacWithPublicKey('pem-trimmed'),
        'invalid_token',
      ],
      [
        'HMAC-signed with the public key as SPKI DER',
        () => hmacWithPublicKey('der'),
        'invalid_token',
      ],
      [
        'HMAC-signed with the public key as PKCS#1 PEM',
        () => hmacWithPublicKey('pkcs1'),
        'invalid_token',
      ],
      ['signed by a key the provider never published', async () => foreignKey(), 'invalid_token'],
      ['for an unknown user', async () => forged({ sub: 'mallory' }), 'unknown_user'],
    ])('refuses a JWT %s', async (_name, make, reason) => {
      const reply = await decide(await make());
      expect(reply.body).toMatchObject({ allowed: false, status: 401, reason });
    });

    it('accepts the tokens forged above when signed as the provider signs (their control)', async () => {
      expect((await decide(await forged({}))).body).toMatchObject({
        allowed: true,
        identity: { username: 'alice' },
      });
    });

    it('knows a user created after their token was first refused', async () => {
      const token = await idp.jwtAccessToken('newbie');
      expect((await decide(token)).body).toMatchObject({ reason: 'unknown_user' });
      const id = await createUser(admin, 'newbie');
      expect((await decide(token)).body).toMatchObject({ allowed: true, identity: { userId: id } });
      await admin.delete(`/v1/admin/users/${id}`);
      expect((await decide(token)).body).toMatchObject({ reason: 'unknown_user' });
    });

    it('refuses a disabled user with 403', async () => {
      const reply = await decide(await idp.jwtAccessToken('carol'));
      expect(reply.body).toMatchObject({ allowed: false, status: 403, reason: 'user_disabled' });
    });

    it('passes a JWT of an unknown issuer to no one', async () => {
      const token = await forged({ iss: 'https://elsewhere.example' });
      expect((await decide(token)).body).toMatchObject({ reason: 'unknown_credential' });
      expect(idp.requests('/token/introspection') + idp.requests('/me')).toBe(0);
    });

    it('follows a key rotation at the provider without a restart', async () => {
      const before = await idp.jwtAccessToken('alice');
      expect((await decide(before)).body.allowed).toBe(true);
      await idp.rotateKeys({ keepOld: false });
      const after = await idp.jwtAccessToken('alice');
      expect((await decide(after)).body).toMatchObject({ allowed: true, reason: 'authenticated' });
    });

    it('keeps accepting JWTs from the cached keys while the provider is down', async () => {
      expect((await decide(await idp.jwtAccessToken('alice'))).body.allowed).toBe(true);
      await idp.stop();
      try {
        // A token never seen before, signed with a key already fetched.
        const fresh = await idp.jwtAccessToken('alice');
        expect((await decide(fresh)).body).toMatchObject({ allowed: true });
      } finally {
        await idp.restart();
      }
    });

    it('stops accepting a remembered JWT when it expires', async () => {
      const token = await idp.jwtAccessToken('alice', { lifetimeSeconds: 2 });
      expect((await decide(token)).body.allowed).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect((await decide(token)).body).toMatchObject({ allowed: false, reason: 'expired_token' });
    });

    it('takes groups from the token when told to, adding or replacing', async () => {
      const token = await idp.jwtAccessToken('alice');
      await admin.patch(`/v1/admin/providers/${jwtProviderId}`, {
        body: { groupsAttribute: 'groups' },
      });
      expect((await decide(token)).body.identity.groups).toEqual(['developers', 'idp-devs']);
      await admin.patch(`/v1/admin/providers/${jwtProviderId}`, {
        body: { groupsMode: 'replace' },
      });
      expect((await decide(token)).body.identity.groups).toEqual(['idp-devs']);
      await admin.patch(`/v1/admin/providers/${jwtProviderId}`, {
        body: { groupsAttribute: null, groupsMode: 'add' },
      });
      expect((await decide(token)).body.identity.groups).toEqual(['developers']);
    });

    it('refuses every token of a disabled provider at once', async () => {
      const token = await idp.jwtAccessToken('alice');
      await admin.patch(`/v1/admin/providers/${jwtProviderId}`, { body: { enabled: false } });
      try {
        expect((await decide(token)).body).toMatchObject({
          allowed: false,
          reason: 'unknown_credential',
        });
      } finally {
        await admin.patch(`/v1/admin/providers/${jwtProviderId}`, { body: { enabled: true } });
      }
      expect((await decide(token)).body.allowed).toBe(true);
    });

    it('reports a JWT through RFC 7662 introspection', async () => {
      const token = await idp.jwtAccessToken('alice');
      const reply = await call(service.url, 'POST', '/oauth2/introspect', {
        auth: service.adminKey,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        raw: new URLSearchParams({ token }).toString(),
      });
      expect(reply.body).toMatchObject({
        active: true,
        iss: idp.issuer,
        sub: 'alice',
        username: 'alice',
        exp: expect.any(Number),
      });
      const bad = await call(service.url, 'POST', '/oauth2/introspect', {
        auth: service.adminKey,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        raw: new URLSearchParams({ token: tamper(token) }).toString(),
      });
      expect(bad.body).toEqual({ active: false });
    });
  });

  describe('opaque access tokens', () => {
    let opaqueProviderId: string;

    beforeAll(async () => {
      // The JWT provider would claim this issuer's JWTs; opaque tokens name no issuer anyway.
      const created = await admin.post('/v1/admin/providers', {
        body: {
          name: 'Test IdP (introspection)',
          preset: 'custom',
          issuer: idp.issuer,
          clientId: 'portcullis',
          clientSecret: 'portcullis-secret',
          validation: 'introspection',
          usernameAttribute: 'email',
          matchBy: 'email',
          position: 200,
        },
      });
      expect(created.status).toBe(201);
      opaqueProviderId = created.body.id;
    });
    afterAll(async () => {
      await admin.delete(`/v1/admin/providers/${opaqueProviderId}`);
    });

    it('maps a valid opaque token (introspection, then userinfo for the email) by email', async () => {
      const token = await idp.opaqueAccessToken('bob');
      const reply = await decide(token);
      expect(reply.body).toMatchObject({
        allowed: true,
        verifier: 'introspection',
        identity: { username: 'bob', credential: { kind: 'provider_token' } },
      });
    });

    it('asks the provider once per token while it is cached', async () => {
      const token = await idp.opaqueAccessToken('bob');
      const before = idp.requests('/token/introspection');
      for (let i = 0; i < 5; i++) expect((await decide(token)).body.allowed).toBe(true);
      expect(idp.requests('/token/introspection') - before).toBe(1);
    });

    it('refuses an unknown opaque token, and remembers it briefly', async () => {
      const token = randomBytes(32).toString('base64url');
      const before = idp.requests('/token/introspection');
      for (let i = 0; i < 3; i++) {
        expect((await decide(token)).body).toMatchObject({ allowed: false, status: 401 });
      }
      expect(idp.requests('/token/introspection') - before).toBe(1);
    });

    it('never allows an opaque token it could not check while the provider is down', async () => {
      const token = await idp.opaqueAccessToken('bob');
      await idp.stop();
      try {
        const reply = await decide(token);
        expect(reply.status).toBe(503);
        expect(reply.body).toMatchObject({ allowed: false, reason: 'unavailable' });
        const viaNginx = await nginxCheck(service.url, { authorization: `Bearer ${token}` });
        expect(viaNginx.status).toBe(403);
        expect(viaNginx.headers.get('x-auth-reason')).toBe('unavailable');
      } finally {
        await idp.restart();
      }
      expect((await decide(token)).body.allowed).toBe(true);
    });

    it('creates unknown users on first sight when the provider provisions them', async () => {
      const token = await idp.opaqueAccessToken('newbie');
      expect((await decide(token)).body).toMatchObject({ reason: 'unknown_user' });
      await admin.patch(`/v1/admin/providers/${opaqueProviderId}`, {
        body: { provisionUsers: true },
      });
      expect((await decide(token)).body).toMatchObject({
        allowed: true,
        identity: { username: 'newbie@example.com', email: 'newbie@example.com', groups: [] },
      });
    });
  });

  describe('the attribute test flow', () => {
    let providerId: string;

    beforeAll(async () => {
      const created = await admin.post('/v1/admin/providers', {
        body: {
          name: 'Test IdP (userinfo)',
          preset: 'custom',
          issuer: idp.issuer,
          clientId: 'portcullis',
          clientSecret: 'portcullis-secret',
          validation: 'userinfo',
          scope: 'openid email profile',
          usernameAttribute: 'sub',
          position: 300,
        },
      });
      expect(created.status).toBe(201);
      providerId = created.body.id;
      idp.addRedirectUri(created.body.redirectUri);
    });
    afterAll(async () => {
      await admin.delete(`/v1/admin/providers/${providerId}`);
    });

    const attributePaths = (reply: Reply) =>
      reply.body.attributes.map((a: { path: string }) => a.path);

    it('logs in with PKCE and shows every attribute the provider gave', async () => {
      // node:http, which (unlike fetch) does not follow the redirect itself.
      const start = await rawRequest(service.url, 'GET', `/v1/admin/providers/${providerId}/test`, {
        authorization: `Bearer ${service.adminKey}`,
      });
      expect(start.status).toBe(302);
      const authorizationUrl = new URL(start.headers.location as string);
      expect(JSON.parse(start.text).authorizationUrl).toBe(authorizationUrl.toString());
      expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorizationUrl.searchParams.get('client_id')).toBe('portcullis');

      const callback = new URL(await idp.scriptedLogin(authorizationUrl.toString(), 'alice'));
      const finished = await call(service.url, 'GET', callback.pathname + callback.search);
      expect(finished.status).toBe(200);
      expect(attributePaths(finished)).toEqual(
        expect.arrayContaining(['sub', 'email', 'preferred_username']),
      );
      expect(finished.body).toMatchObject({ usernameAttribute: 'sub', usernameValue: 'alice' });

      const replay = await call(service.url, 'GET', callback.pathname + callback.search);
      expect(replay.status).toBe(400);
    });

    it('previews a pasted token, and checks the username attribute against it', async () => {
      const token = await idp.opaqueAccessToken('bob');
      const preview = await admin.post(`/v1/admin/providers/${providerId}/preview`, {
        body: { accessToken: token },
      });
      expect(preview.status).toBe(200);
      expect(attributePaths(preview)).toContain('preferred_username');
      expect(preview.body.notes).toEqual([]);

      const wrong = await admin.patch(`/v1/admin/providers/${providerId}`, {
        body: { usernameAttribute: 'login' },
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.errors[0].pointer).toBe('#/usernameAttribute');

      const right = await admin.patch(`/v1/admin/providers/${providerId}`, {
        body: { usernameAttribute: 'preferred_username' },
      });
      expect(right.status).toBe(200);
      expect((await decide(token)).body).toMatchObject({
        allowed: true,
        verifier: 'userinfo',
        identity: { username: 'bob' },
      });
    });

    it('refuses to preview a token the provider does not accept', async () => {
      const reply = await admin.post(`/v1/admin/providers/${providerId}/preview`, {
        body: { accessToken: 'not-a-token-the-provider-issued' },
      });
      expect(reply.status).toBe(400);
      // A JWT the provider refuses (userinfo takes only its own opaque tokens here) is refused too.
      const refusedJwt = await admin.post(`/v1/admin/providers/${providerId}/preview`, {
        body: { accessToken: await idp.jwtAccessToken('alice') },
      });
      expect(refusedJwt.status).toBe(400);
    });

    it('previews a JWT by its own claims when userinfo fails, noting the failure', async () => {
      // A provider set up by hand, without discovery, whose userinfo URL is wrong (404).
      const created = await admin.post('/v1/admin/providers', {
        body: {
          name: 'Hand-made IdP',
          preset: 'custom',
          discover: false,
          issuer: idp.issuer,
          jwksUri: idp.jwksUri,
          userinfoEndpoint: `${idp.issuer}/no-such-userinfo`,
          clientId: 'portcullis',
          validation: 'jwt',
          audience: RESOURCE,
          usernameAttribute: 'sub',
          position: 310,
        },
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      try {
        const preview = await admin.post(`/v1/admin/providers/${id}/preview`, {
          body: { accessToken: await idp.jwtAccessToken('alice') },
        });
        expect(preview.status).toBe(200);
        expect(preview.body).toMatchObject({ usernameAttribute: 'sub', usernameValue: 'alice' });
        expect(preview.body.attributes).toContainEqual({
          path: 'sub',
          value: 'alice',
          source: 'access_token',
        });
        expect(preview.body.notes).toEqual([expect.stringMatching(/^userinfo .*HTTP 404/)]);
        // An opaque token has no claims of its own: the provider's failure is the answer.
        const opaque = await admin.post(`/v1/admin/providers/${id}/preview`, {
          body: { accessToken: await idp.opaqueAccessToken('alice') },
        });
        expect(opaque.status).toBe(502);
        expect(opaque.body.detail).toContain('404');
      } finally {
        await admin.delete(`/v1/admin/providers/${id}`);
      }
    });
  });

  (nginxAvailable() || process.env.CI === 'true' ? describe : describe.skip)(
    'through real nginx',
    () => {
      let upstream: EchoUpstream;
      let nginx: RunningNginx;

      beforeAll(async () => {
        upstream = await new EchoUpstream().start();
        nginx = await startNginx(Number(new URL(service.url).port), upstream.port);
      });
      afterAll(async () => {
        await nginx?.stop();
        await upstream?.stop();
      });

      it('lets a JWT and an opaque token reach the upstream as the mapped user', async () => {
        const opaque = await admin.post('/v1/admin/providers', {
          body: {
            name: 'nginx opaque',
            preset: 'custom',
            issuer: idp.issuer,
            clientId: 'portcullis',
            clientSecret: 'portcullis-secret',
            validation: 'introspection',
            usernameAttribute: 'email',
            matchBy: 'email',
            position: 400,
          },
        });
        try {
          const base = `http://127.0.0.1:${nginx.port}`;
          for (const [token, user] of [
            [await idp.jwtAccessToken('alice'), 'alice'],
            [await idp.opaqueAccessToken('bob'), 'bob'],
          ] as const) {
            const reply = await call(base, 'GET', '/orders', { auth: token });
            expect(reply.status).toBe(200);
            expect(reply.body.headers['x-auth-user']).toBe(user);
          }
          const refused = await call(base, 'GET', '/orders', {
            auth: await forged({ exp: now() - 60 }),
          });
          expect(refused.status).toBe(401);
          expect(refused.headers.get('x-auth-reason')).toBe('expired_token');
        } finally {
          await admin.delete(`/v1/admin/providers/${opaque.body.id}`);
        }
      });
    },
  );

  it('logs provider decisions without the token', async () => {
    const path = uniquePath('jwt');
    const token = await idp.jwtAccessToken('alice');
    await decide(token, { path });
    const [line] = await decisionLines(service, path);
    expect(line).toMatchObject({ granted: true, verifier: 'jwt', user: 'alice' });
    expect(JSON.stringify(line)).not.toContain(token.split('.')[2]);
  });

  // Tokens made in the test, signed with the provider's own current key unless said otherwise.
  function now(): number {
    return Math.floor(Date.now() / 1000);
  }

  async function forged(
    claims: Record<string, unknown>,
    header: { typ?: string } = {},
  ): Promise<string> {
    const { kid, privateJwk } = idp.currentSigningKey();
    return signJwt(accessClaims(claims), {
      alg: 'RS256',
      kid,
      key: privateJwk,
      typ: header.typ ?? 'at+jwt',
    });
  }

  /** The claims of a valid access token for alice, with these changed (undefined: left out). */
  function accessClaims(claims: Record<string, unknown>): Record<string, unknown> {
    const base: Record<string, unknown> = {
      iss: idp.issuer,
      sub: 'alice',
      aud: RESOURCE,
      exp: now() + 300,
      iat: now(),
      jti: randomBytes(8).toString('hex'),
      client_id: 'portcullis',
      ...claims,
    };
    for (const name of Object.keys(base)) if (base[name] === undefined) delete base[name];
    return base;
  }

  function tamper(token: string): string {
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    claims.sub = 'bob';
    return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
  }

  function unsigned(claims: Record<string, unknown>): string {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${part({ alg: 'none', typ: 'at+jwt' })}.${part({
      iss: idp.issuer,
      aud: RESOURCE,
      exp: now() + 300,
      ...claims,
    })}.`;
  }

  /** The claims `forged` signs, HMAC-signed with the bytes of the provider's public key. */
  async function hmacWithPublicKey(form: 'pem' | 'pem-trimmed' | 'der' | 'pkcs1'): Promise<string> {
    const { kid, privateJwk } = idp.currentSigningKey();
    const publicKey = createPublicKey({
      key: { kty: privateJwk.kty!, n: privateJwk.n!, e: privateJwk.e! },
      format: 'jwk',
    });
    const spkiPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const bytes = {
      pem: Buffer.from(spkiPem),
      'pem-trimmed': Buffer.from(spkiPem.trimEnd()),
      der: publicKey.export({ type: 'spki', format: 'der' }),
      pkcs1: Buffer.from(publicKey.export({ type: 'pkcs1', format: 'pem' }) as string),
    }[form];
    expect(bytes.length).toBeGreaterThan(200);
    return signJwt(accessClaims({}), {
      alg: 'HS256',
      kid,
      key: new Uint8Array(bytes),
      typ: 'at+jwt',
    });
  }

  async function foreignKey(): Promise<string> {
    const { generateKeyPair, exportJWK } = await import('jose');
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    return signJwt(
      {
        iss: idp.issuer,
        sub: 'alice',
        aud: RESOURCE,
        exp: now() + 300,
        iat: now(),
        jti: 'x',
        client_id: 'portcullis',
      },
      {
        alg: 'RS256',
        kid: idp.currentSigningKey().kid,
        key: await exportJWK(privateKey),
        typ: 'at+jwt',
      },
    );
  }
});

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { flushLogger } from '../../src/logging/logger.js';
import { createGroup, createUser, type AdminClient } from '../support/decisions.js';
import { call, client, rememberCookies } from '../support/http.js';
import { CLIENT_ID, CLIENT_SECRET, TestOidcProvider } from '../support/oidc-provider.js';
import { freePort } from '../support/ports.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A browser navigation that does not follow redirects: status, where to, and cookies set. */
interface Hop {
  status: number;
  location: string;
  cookies: string[];
}

async function navigate(url: string, cookie?: string): Promise<Hop> {
  const response = await fetch(url, {
    redirect: 'manual',
    headers: cookie === undefined ? {} : { cookie },
  });
  await response.text();
  rememberCookies(response.headers);
  return {
    status: response.status,
    location: response.headers.get('location') ?? '',
    cookies: response.headers.getSetCookie(),
  };
}

const valueOf = (cookies: string[], name: string) =>
  cookies.map((c) => new RegExp(`^${name}=([^;]*)`).exec(c)?.[1]).find((v) => v !== undefined);

// Signing in to the web console through a real OpenID provider (oidc-provider): the code flow
// with PKCE, the state bound to the browser, the nonce, the user mapped as decisions map tokens,
// and a session under the same rules as a key's. Every failure lands on the sign-in page.
describe('Console sign-in through an identity provider', () => {
  let idp: TestOidcProvider;
  let service: TestApp;
  let admin: AdminClient;
  let providerId: string;
  /** Every code and state seen: none may reach the log. */
  const secretsSeen: string[] = [];

  beforeAll(async () => {
    idp = await TestOidcProvider.start({
      accounts: {
        ada: { preferred_username: 'ada', email: 'ada@example.com' },
        gina: { preferred_username: 'gina', groups: ['portcullis-admins'] },
        bob: { preferred_username: 'bob' },
        dora: { preferred_username: 'dora' },
        ghost: { preferred_username: 'ghost' },
      },
    });
    const port = await freePort();
    service = await startTestApp({
      port,
      env: { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}` },
    });
    admin = client(service.url, service.adminKey);
    await createGroup(admin, 'developers');
    await createUser(admin, 'ada', { groups: ['portcullis-admins'] });
    await createUser(admin, 'gina', { groups: ['developers'] });
    await createUser(admin, 'bob');
    const dora = await createUser(admin, 'dora', { groups: ['portcullis-admins'] });
    await admin.patch(`/v1/admin/users/${dora}`, { body: { disabled: true } });

    const created = await admin.post('/v1/admin/providers', {
      body: {
        name: 'Company SSO',
        preset: 'custom',
        issuer: idp.issuer,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        validation: 'jwt',
        scope: 'openid profile email groups',
        usernameAttribute: 'preferred_username',
        groupsAttribute: 'groups',
        consoleSignIn: true,
      },
    });
    expect(created.status).toBe(201);
    providerId = created.body.id;
    idp.addRedirectUri(created.body.consoleRedirectUri);
  });
  afterAll(async () => {
    await service?.close();
    await idp?.stop();
  });

  const startPath = () => `/console/session/oauth/${providerId}`;

  /** Starts a sign-in as a browser would: the provider's URL and the browser's sign-in cookie. */
  async function start(): Promise<{ authorizationUrl: URL; cookie: string }> {
    const hop = await navigate(service.url + startPath());
    expect(hop.status).toBe(303);
    const binding = valueOf(hop.cookies, 'portcullis_signin')!;
    const authorizationUrl = new URL(hop.location);
    secretsSeen.push(authorizationUrl.searchParams.get('state')!);
    return { authorizationUrl, cookie: `portcullis_signin=${binding}` };
  }

  /** Logs in at the provider as `sub` and returns the callback URL it sends the browser to. */
  async function callbackFor(authorizationUrl: URL, sub: string): Promise<URL> {
    const callback = new URL(await idp.scriptedLogin(authorizationUrl.toString(), sub));
    secretsSeen.push(callback.searchParams.get('code') ?? '');
    return callback;
  }

  /** A whole sign-in as `sub`: the callback's answer. */
  async function signInAs(sub: string): Promise<Hop> {
    const { authorizationUrl, cookie } = await start();
    return navigate((await callbackFor(authorizationUrl, sub)).toString(), cookie);
  }

  /** The session cookie and CSRF token of a successful sign-in. */
  async function sessionOf(hop: Hop): Promise<{ cookie: string; csrf: string; body: any }> {
    const cookie = `portcullis_session=${valueOf(hop.cookies, 'portcullis_session')}`;
    const current = await call(service.url, 'GET', '/console/session', { headers: { cookie } });
    expect(current.status).toBe(200);
    return { cookie, csrf: current.body.csrfToken, body: current.body };
  }

  const refusedWith = (hop: Hop, reason: string) => {
    expect(hop.status).toBe(303);
    expect(hop.location).toBe(`/console/?sign-in-error=${reason}`);
    expect(valueOf(hop.cookies, 'portcullis_session')).toBeUndefined();
  };

  describe('the provider setting', () => {
    it('takes consoleSignIn through the admin API, with the redirect URI to register', async () => {
      const provider = (await admin.get(`/v1/admin/providers/${providerId}`)).body;
      expect(provider).toMatchObject({
        consoleSignIn: true,
        consoleRedirectUri: `${service.url}/console/session/oauth/${providerId}/callback`,
      });
    });

    it('refuses console sign-in for a provider without an authorization endpoint', async () => {
      const reply = await admin.post('/v1/admin/providers', {
        body: {
          name: 'Userinfo only',
          preset: 'custom',
          discover: false,
          userinfoEndpoint: idp.userinfoEndpoint,
          clientId: CLIENT_ID,
          validation: 'userinfo',
          consoleSignIn: true,
        },
      });
      expect(reply.status).toBe(400);
      expect(reply.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(
        expect.arrayContaining(['#/authorizationEndpoint', '#/tokenEndpoint']),
      );
    });

    it('lists only enabled providers marked for console sign-in, to anyone', async () => {
      const other = await admin.post('/v1/admin/providers', {
        body: {
          name: 'Tokens only',
          preset: 'custom',
          discover: false,
          userinfoEndpoint: idp.userinfoEndpoint,
          clientId: CLIENT_ID,
          validation: 'userinfo',
        },
      });
      expect(other.status).toBe(201);
      const listed = await call(service.url, 'GET', '/console/session/providers');
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual({ providers: [{ id: providerId, name: 'Company SSO' }] });
      await admin.delete(`/v1/admin/providers/${other.body.id}`);
    });
  });

  describe('signing in', () => {
    it('starts with PKCE (S256), a state and a nonce, and binds the state to the browser', async () => {
      const hop = await navigate(service.url + startPath());
      const url = new URL(hop.location);
      expect(`${url.origin}${url.pathname}`).toBe(idp.authorizationEndpoint);
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        response_type: 'code',
        client_id: CLIENT_ID,
        redirect_uri: `${service.url}/console/session/oauth/${providerId}/callback`,
        code_challenge_method: 'S256',
        state: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
        nonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      secretsSeen.push(url.searchParams.get('state')!);
      const cookie = hop.cookies.find((c) => c.startsWith('portcullis_signin='))!;
      expect(cookie).toMatch(/^portcullis_signin=[A-Za-z0-9_-]{43}; /);
      expect(cookie).toContain('; Path=/console/session/oauth');
      expect(cookie).toContain('; HttpOnly');
      // Lax: the provider sends the browser back cross-site, where a Strict cookie is withheld.
      expect(cookie).toContain('; SameSite=Lax');
      expect(cookie).toContain('; Max-Age=600');
      expect(cookie).not.toContain('Secure');
    });

    it('signs an admin in with the same session cookie, CSRF rules and sign-out as a key', async () => {
      const hop = await signInAs('ada');
      expect(hop.status).toBe(303);
      expect(hop.location).toBe('/console/');
      const session = hop.cookies.find((c) => c.startsWith('portcullis_session='))!;
      expect(session).toMatch(
        /^portcullis_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28[0-9]{3}; /,
      );
      expect(session).toContain('; HttpOnly');
      expect(session).toContain('; SameSite=Strict');
      // The sign-in cookie has served: it is cleared.
      expect(hop.cookies).toContainEqual(expect.stringMatching(/^portcullis_signin=; .*Max-Age=0/));

      const { cookie, csrf, body } = await sessionOf(hop);
      expect(body).toMatchObject({ username: 'ada', admin: true, groups: ['portcullis-admins'] });
      const me = await call(service.url, 'GET', '/v1/me', { headers: { cookie } });
      expect(me.body).toMatchObject({ username: 'ada', keyId: expect.stringMatching(/^ses_/) });
      expect(
        (await call(service.url, 'GET', '/v1/admin/users', { headers: { cookie } })).status,
      ).toBe(200);
      const withoutCsrf = await call(service.url, 'POST', '/v1/admin/groups', {
        headers: { cookie },
        body: { name: 'sso-made' },
      });
      expect(withoutCsrf.status).toBe(403);
      const withCsrf = await call(service.url, 'POST', '/v1/admin/groups', {
        headers: { cookie, 'x-csrf-token': csrf },
        body: { name: 'sso-made' },
      });
      expect(withCsrf.status).toBe(201);

      const audit = await admin.get('/v1/admin/audit?action=console.sign-in');
      expect(audit.body.items[0]).toMatchObject({
        actorUsername: 'ada',
        details: { provider: 'Company SSO', providerId },
      });

      const out = await call(service.url, 'DELETE', '/console/session', {
        headers: { cookie, 'x-csrf-token': csrf },
      });
      expect(out.status).toBe(204);
      expect((await call(service.url, 'GET', '/v1/me', { headers: { cookie } })).status).toBe(401);
    });

    it("maps the user as decisions do, with the provider's groups", async () => {
      // gina is no admin locally; the provider's groups claim, added to hers, makes her one.
      const { body } = await sessionOf(await signInAs('gina'));
      expect(body).toMatchObject({ username: 'gina', admin: true });
      expect(body.groups).toEqual(expect.arrayContaining(['developers', 'portcullis-admins']));
    });
  });

  describe('refusals, shown on the sign-in page', () => {
    it('refuses a callback without the browser’s sign-in cookie, or with another’s', async () => {
      const first = await start();
      const callback = await callbackFor(first.authorizationUrl, 'ada');
      refusedWith(await navigate(callback.toString()), 'state_mismatch');

      const second = await start();
      const other = await start();
      const callback2 = await callbackFor(second.authorizationUrl, 'ada');
      refusedWith(await navigate(callback2.toString(), other.cookie), 'state_mismatch');
    });

    it('refuses a state used before, unknown, or for another provider', async () => {
      const { authorizationUrl, cookie } = await start();
      const callback = await callbackFor(authorizationUrl, 'ada');
      expect((await navigate(callback.toString(), cookie)).location).toBe('/console/');
      refusedWith(await navigate(callback.toString(), cookie), 'state_mismatch');

      const made = new URL(callback);
      made.searchParams.set('state', 'made-up');
      refusedWith(await navigate(made.toString(), cookie), 'state_mismatch');

      const again = await start();
      const moved = new URL((await callbackFor(again.authorizationUrl, 'ada')).toString());
      moved.pathname = moved.pathname.replace(providerId, '00000000-0000-4000-8000-000000000000');
      refusedWith(await navigate(moved.toString(), again.cookie), 'state_mismatch');
    });

    it('checks the nonce of the ID token against the one the sign-in sent', async () => {
      const { authorizationUrl, cookie } = await start();
      // The pending sign-in now expects another nonce than the provider puts in its ID token.
      const ref = `console-sign-in:${createHash('sha256')
        .update(authorizationUrl.searchParams.get('state')!)
        .digest('base64url')}`;
      const [stored] = await service.runtime.store.getMany([ref]);
      await service.runtime.store.set(
        ref,
        JSON.stringify({ ...JSON.parse(stored!), nonce: 'another-nonce' }),
        60_000,
      );
      const callback = await callbackFor(authorizationUrl, 'ada');
      refusedWith(await navigate(callback.toString(), cookie), 'invalid_token');
    });

    it('refuses users it cannot map, disabled users, and users who are not admins', async () => {
      refusedWith(await signInAs('ghost'), 'unknown_user');
      refusedWith(await signInAs('dora'), 'user_disabled');
      refusedWith(await signInAs('bob'), 'not_admin');
    });

    it('lets a user who is not an admin in for "My keys" while self-service keys are allowed', async () => {
      await admin.patch('/v1/admin/settings', { body: { allowSelfServiceKeys: true } });
      try {
        const { cookie, body } = await sessionOf(await signInAs('bob'));
        expect(body).toMatchObject({ username: 'bob', admin: false, selfServiceKeys: true });
        const headers = { cookie };
        expect((await call(service.url, 'GET', '/v1/me/keys', { headers })).status).toBe(200);
        expect((await call(service.url, 'GET', '/v1/admin/users', { headers })).status).toBe(403);
        // Self-service turned off again: the session has nothing left to do, and ends.
        await admin.patch('/v1/admin/settings', { body: { allowSelfServiceKeys: false } });
        expect((await call(service.url, 'GET', '/v1/me', { headers })).status).toBe(401);
      } finally {
        await admin.patch('/v1/admin/settings', { body: { allowSelfServiceKeys: false } });
      }
    });

    it('says so when the provider refuses, or cannot be reached, and never answers a 500', async () => {
      const { authorizationUrl, cookie } = await start();
      const denied = new URL(`${service.url}/console/session/oauth/${providerId}/callback`);
      denied.searchParams.set('error', 'access_denied');
      denied.searchParams.set('state', authorizationUrl.searchParams.get('state')!);
      refusedWith(await navigate(denied.toString(), cookie), 'provider_refused');

      const next = await start();
      const callback = await callbackFor(next.authorizationUrl, 'ada');
      idp.failWith(503);
      try {
        refusedWith(await navigate(callback.toString(), next.cookie), 'provider_down');
      } finally {
        idp.failWith(0);
      }

      refusedWith(
        await navigate(`${service.url}/console/session/oauth/not-a-uuid`),
        'provider_unavailable',
      );
      refusedWith(
        await navigate(
          `${service.url}/console/session/oauth/${providerId}/callback?state=a&state=b`,
        ),
        'state_mismatch',
      );
    });
  });

  describe('a session that no longer holds', () => {
    it('ends when its user is disabled or leaves the admins', async () => {
      const ada = (await admin.get('/v1/admin/users?search=ada')).body.items[0].id as string;
      const { cookie } = await sessionOf(await signInAs('ada'));
      await admin.patch(`/v1/admin/users/${ada}`, { body: { disabled: true } });
      expect((await call(service.url, 'GET', '/v1/me', { headers: { cookie } })).status).toBe(401);
      await admin.patch(`/v1/admin/users/${ada}`, { body: { disabled: false } });

      const again = await sessionOf(await signInAs('ada'));
      const admins = (await admin.get('/v1/admin/groups?limit=500')).body.items.find(
        (g: { name: string }) => g.name === 'portcullis-admins',
      ).id as string;
      await admin.delete(`/v1/admin/groups/${admins}/members/${ada}`);
      const after = await call(service.url, 'GET', '/console/session', {
        headers: { cookie: again.cookie },
      });
      expect(after.status).toBe(401);
      await admin.put(`/v1/admin/groups/${admins}/members/${ada}`);
    });

    it('ends when the provider is taken off console sign-in, which is then not offered', async () => {
      const { cookie } = await sessionOf(await signInAs('ada'));
      await admin.patch(`/v1/admin/providers/${providerId}`, { body: { consoleSignIn: false } });
      try {
        expect((await call(service.url, 'GET', '/v1/me', { headers: { cookie } })).status).toBe(
          401,
        );
        const listed = await call(service.url, 'GET', '/console/session/providers');
        expect(listed.body.providers).toEqual([]);
        refusedWith(await navigate(service.url + startPath()), 'provider_unavailable');
      } finally {
        await admin.patch(`/v1/admin/providers/${providerId}`, { body: { consoleSignIn: true } });
      }
    });
  });

  it('never logs a code or a state', async () => {
    await flushLogger(service.runtime.logger);
    const log = readFileSync(service.runtime.config.logFile!, 'utf8');
    expect(log).toContain('Console sign-in through a provider refused');
    const leaked = secretsSeen.filter((secret) => secret.length > 8 && log.includes(secret));
    expect(leaked).toEqual([]);
  });
});

import { sessionStoreKey } from '../../src/console/console-sessions.js';
import { createKey, createUser, type AdminClient } from '../support/decisions.js';
import { call, client, type Reply } from '../support/http.js';
import { randomBytes } from 'node:crypto';
import {
  createTestDatabase,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  type TestDatabase,
} from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Starting the service takes longer than Jest's 30 s when the machine is loaded.
const SLOW_START_MS = 120_000;

/** A signed-in browser: its session cookie and CSRF token. */
interface Browser {
  cookie: string;
  csrf: string;
  id: string;
}

function setCookie(reply: Reply): string {
  return reply.headers.getSetCookie().join('\n');
}

async function signIn(url: string, body: Record<string, unknown>): Promise<Browser> {
  const reply = await call(url, 'POST', '/console/session', { body });
  if (reply.status !== 201) throw new Error(`sign-in: ${reply.status} ${reply.text}`);
  const id = /portcullis_session=([^;]+)/.exec(setCookie(reply))![1]!;
  return { cookie: `portcullis_session=${id}`, csrf: reply.body.csrfToken, id };
}

/** A request as the console sends it: the cookie, and the CSRF token unless told otherwise. */
function asBrowser(
  url: string,
  browser: Browser,
  method: string,
  path: string,
  options: { body?: unknown; csrf?: string | null; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const csrf = options.csrf === undefined ? browser.csrf : options.csrf;
  return call(url, method, path, {
    body: options.body,
    headers: {
      cookie: browser.cookie,
      ...(csrf !== null && { 'x-csrf-token': csrf }),
      ...options.headers,
    },
  });
}

describe('Web console sessions', () => {
  let service: TestApp;
  let admin: AdminClient;
  let aliceKey: string;

  beforeAll(async () => {
    service = await startTestApp();
    admin = client(service.url, service.adminKey);
    await createUser(admin, 'alice');
    aliceKey = (await createKey(admin, { username: 'alice' })).key;
  }, SLOW_START_MS);
  afterAll(() => service.close());

  describe('serving the console', () => {
    it('serves index.html under /console with a strict CSP, revalidated on every load', async () => {
      for (const path of ['/console', '/console/', '/console/keys', '/console/rules/']) {
        const page = await call(service.url, 'GET', path);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(page.headers.get('cache-control')).toBe('no-cache');
        const csp = page.headers.get('content-security-policy')!;
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('unsafe-inline');
        expect(page.headers.get('x-content-type-options')).toBe('nosniff');
        expect(page.text).toContain('<div id="root"></div>');
        // No inline script: the CSP would block it.
        expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      }
      const index = await call(service.url, 'GET', '/console/');
      const again = await call(service.url, 'GET', '/console/', {
        headers: { 'if-none-match': index.headers.get('etag')! },
      });
      expect(again.status).toBe(304);
    });

    it('serves hashed assets for a year, immutable, and 404s what is not there', async () => {
      const index = await call(service.url, 'GET', '/console/');
      const scripts = [...index.text.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)];
      expect(scripts.length).toBeGreaterThanOrEqual(2);
      for (const [, path] of scripts) {
        const asset = await call(service.url, 'GET', path!);
        expect(asset.status).toBe(200);
        expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(asset.headers.get('content-type')).toMatch(/^text\/(javascript|css)/);
      }
      for (const path of [
        '/console/assets/nope.js',
        '/console/favicon.png',
        '/console/../package.json',
      ]) {
        const missing = await call(service.url, 'GET', path);
        expect(missing.status).toBe(404);
        expect(missing.text).not.toContain('"dependencies"');
      }
    });
  });

  describe('signing in', () => {
    it('opens a session with an admin key: an HttpOnly, SameSite=Strict cookie for Path=/', async () => {
      const reply = await call(service.url, 'POST', '/console/session', {
        body: { key: service.adminKey },
      });
      expect(reply.status).toBe(201);
      expect(reply.body).toMatchObject({
        username: service.adminUsername,
        admin: true,
        groups: ['portcullis-admins'],
      });
      expect(reply.body.csrfToken).toMatch(/^[0-9a-f]{64}$/);
      expect(reply.headers.get('cache-control')).toBe('no-store');
      const cookie = setCookie(reply);
      expect(cookie).toMatch(/^portcullis_session=[A-Za-z0-9_-]{43}; /);
      expect(cookie).toContain('; Path=/');
      expect(cookie).toContain('; HttpOnly');
      expect(cookie).toContain('; SameSite=Strict');
      // 8 hours by default.
      expect(cookie).toMatch(/; Max-Age=28[0-9]{3};/);
      // Plain HTTP from a client that is no trusted proxy: a Secure cookie would be dropped.
      expect(cookie).not.toContain('Secure');
      expect(reply.text).not.toContain(service.adminKey);
    });

    it('refuses a wrong key, naming the field', async () => {
      const unknown = await call(service.url, 'POST', '/console/session', {
        body: { key: `pcl_${'A'.repeat(44)}` },
      });
      expect(unknown.status).toBe(401);
      expect(unknown.headers.get('content-type')).toContain('application/problem+json');
      expect(unknown.body.errors).toEqual([
        { pointer: '#/key', detail: expect.stringMatching(/checksum does not match/) },
      ]);
      expect(setCookie(unknown)).toBe('');
      // No Basic challenge, which would open the browser's own password dialog.
      expect(unknown.headers.get('www-authenticate')).toBe('Bearer realm="portcullis"');

      // A key with one character changed keeps its shape but fails its checksum: said so.
      const last = service.adminKey.at(-1) === 'A' ? 'B' : 'A';
      const mistyped = await call(service.url, 'POST', '/console/session', {
        body: { key: service.adminKey.slice(0, -1) + last },
      });
      expect(mistyped.status).toBe(401);
      expect(mistyped.body.errors).toEqual([
        { pointer: '#/key', detail: expect.stringContaining('checksum does not match') },
      ]);
      const other = await call(service.url, 'POST', '/console/session', {
        body: { key: 'ghp_notoneofours' },
      });
      expect(other.body.errors).toEqual([
        { pointer: '#/key', detail: 'This is not a Portcullis key (they start with pcl_)' },
      ]);

      const missing = await call(service.url, 'POST', '/console/session', { body: {} });
      expect(missing.status).toBe(400);
      expect(missing.body.errors[0].pointer).toBe('#/key');
    });

    it('takes only JSON, so that a cross-site form cannot sign a browser in (login CSRF)', async () => {
      for (const [type, raw] of [
        ['text/plain', JSON.stringify({ key: service.adminKey })],
        ['application/x-www-form-urlencoded', `key=${service.adminKey}`],
      ]) {
        const reply = await call(service.url, 'POST', '/console/session', {
          raw,
          headers: { 'content-type': type! },
        });
        expect([400, 415]).toContain(reply.status);
        expect(setCookie(reply)).toBe('');
      }
    });

    it('marks the cookie Secure when a trusted proxy says the browser used https', async () => {
      const https = { 'x-forwarded-proto': 'https' };
      const untrusted = await call(service.url, 'POST', '/console/session', {
        body: { key: service.adminKey },
        headers: https,
      });
      expect(setCookie(untrusted)).not.toContain('Secure');

      await admin.patch('/v1/admin/settings', { body: { trustedProxies: ['127.0.0.1'] } });
      try {
        const trusted = await call(service.url, 'POST', '/console/session', {
          body: { key: service.adminKey },
          headers: https,
        });
        expect(setCookie(trusted)).toContain('; Secure');
        const plain = await call(service.url, 'POST', '/console/session', {
          body: { key: service.adminKey },
          headers: { 'x-forwarded-proto': 'http' },
        });
        expect(setCookie(plain)).not.toContain('Secure');
      } finally {
        await admin.patch('/v1/admin/settings', { body: { trustedProxies: [] } });
      }
    });

    it('audits the sign-in, never the key', async () => {
      await signIn(service.url, { key: aliceKey });
      const events = await admin.get('/v1/admin/audit?action=console.sign-in&actor=alice');
      expect(events.body.items).toHaveLength(1);
      expect(events.body.items[0]).toMatchObject({ actorUsername: 'alice', details: {} });
      expect(events.text).not.toContain(aliceKey);
    });
  });

  describe('using the admin API with a session', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await signIn(service.url, { key: service.adminKey });
    });

    it('reads with the cookie alone', async () => {
      const users = await asBrowser(service.url, browser, 'GET', '/v1/admin/users', { csrf: null });
      expect(users.status).toBe(200);
      expect(users.body.items.map((u: { username: string }) => u.username)).toContain('alice');
    });

    it('refuses a change without the CSRF token (403), or with another one', async () => {
      for (const csrf of [
        null,
        '',
        'x'.repeat(64),
        (await signIn(service.url, { key: service.adminKey })).csrf,
      ]) {
        const reply = await asBrowser(service.url, browser, 'POST', '/v1/admin/groups', {
          body: { name: 'csrf-victims' },
          csrf,
        });
        expect(reply.status).toBe(403);
        expect(reply.body.detail).toMatch(/CSRF token/);
      }
      const groups = await admin.get('/v1/admin/groups');
      expect(groups.text).not.toContain('csrf-victims');
    });

    it('makes a change with the CSRF token, audited as the admin', async () => {
      const created = await asBrowser(service.url, browser, 'POST', '/v1/admin/groups', {
        body: { name: 'made-in-console' },
      });
      expect(created.status).toBe(201);
      const events = await admin.get(`/v1/admin/audit?target=${created.body.id}`);
      expect(events.body.items[0]).toMatchObject({
        action: 'group.create',
        actorUsername: service.adminUsername,
      });
    });

    it('asks for decisions through the same guard as a key', async () => {
      const decision = await asBrowser(service.url, browser, 'POST', '/v1/decisions', {
        body: { method: 'GET', path: '/orders', credential: aliceKey },
      });
      expect(decision.status).toBe(200);
      expect(decision.body).toMatchObject({ allowed: true, identity: { username: 'alice' } });
    });

    it('says who is signed in after a reload, with the same CSRF token', async () => {
      const current = await asBrowser(service.url, browser, 'GET', '/console/session', {
        csrf: null,
      });
      expect(current.status).toBe(200);
      expect(current.body).toMatchObject({
        username: service.adminUsername,
        csrfToken: browser.csrf,
        checking: true,
        maxKeyLifetime: null,
      });
      // The key it was opened with, so that the console can warn before revoking it.
      const adminKeys = await client(service.url, service.adminKey).get(
        `/v1/admin/keys?owner=${service.adminUsername}`,
      );
      expect(adminKeys.body.items.map((k: { id: string }) => k.id)).toEqual([
        current.body.signInKeyId,
      ]);
    });

    it('lets a bearer key win over a cookie, and a bad key is refused whatever the cookie', async () => {
      const bad = await call(service.url, 'GET', '/v1/admin/users', {
        auth: `pcl_${'B'.repeat(44)}`,
        headers: { cookie: browser.cookie },
      });
      expect(bad.status).toBe(401);
    });
  });

  describe('authorization stays with the key', () => {
    it("gives a non-admin's session the self-service API and refuses the admin API", async () => {
      const browser = await signIn(service.url, { key: aliceKey });
      const me = await asBrowser(service.url, browser, 'GET', '/v1/me', { csrf: null });
      expect(me.status).toBe(200);
      expect(me.body.username).toBe('alice');
      const users = await asBrowser(service.url, browser, 'GET', '/v1/admin/users');
      expect(users.status).toBe(403);
    });

    it('ends the session when its key is revoked', async () => {
      const key = await createKey(admin, { username: 'alice' });
      const browser = await signIn(service.url, { key: key.key });
      expect((await asBrowser(service.url, browser, 'GET', '/v1/me')).status).toBe(200);
      await admin.post(`/v1/admin/keys/${key.id}/revoke`);
      const after = await asBrowser(service.url, browser, 'GET', '/v1/me');
      expect(after.status).toBe(401);
      expect(after.body.detail).toMatch(/revoked_key/);
    });

    it('signs in with a basic key and its username only', async () => {
      const key = await createKey(admin, { username: 'alice' }, { type: 'basic' });
      const without = await call(service.url, 'POST', '/console/session', {
        body: { key: key.key },
      });
      expect(without.status).toBe(401);
      expect(without.body.errors[0].pointer).toBe('#/key');
      const wrongUser = await call(service.url, 'POST', '/console/session', {
        body: { key: key.key, username: service.adminUsername },
      });
      expect(wrongUser.body.errors[0].pointer).toBe('#/username');
      const browser = await signIn(service.url, { key: key.key, username: 'Alice' });
      expect((await asBrowser(service.url, browser, 'GET', '/v1/me')).body.username).toBe('alice');
    });
  });

  describe('ending a session', () => {
    it('answers 401 once the session has expired, and forgets it', async () => {
      const browser = await signIn(service.url, { key: service.adminKey });
      const key = sessionStoreKey(browser.id);
      const [stored] = await service.runtime.store.getMany([key]);
      const session = JSON.parse(stored!);
      await service.runtime.store.set(
        key,
        JSON.stringify({ ...session, expiresAt: Date.now() - 1000 }),
        60_000,
      );
      const reply = await asBrowser(service.url, browser, 'GET', '/v1/admin/users');
      expect(reply.status).toBe(401);
      expect(reply.body.detail).toMatch(/session has ended/);
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="portcullis"');
      expect(await service.runtime.store.getMany([key])).toEqual([undefined]);
    });

    it('answers 401 once the session has been idle too long', async () => {
      const browser = await signIn(service.url, { key: service.adminKey });
      const key = sessionStoreKey(browser.id);
      const session = JSON.parse((await service.runtime.store.getMany([key]))[0]!);
      await service.runtime.store.set(
        key,
        JSON.stringify({ ...session, idleUntil: Date.now() - 1 }),
        60_000,
      );
      expect((await asBrowser(service.url, browser, 'GET', '/v1/me')).status).toBe(401);
    });

    it('signs out with the CSRF token only, clearing the cookie; the old cookie is then refused', async () => {
      const browser = await signIn(service.url, { key: service.adminKey });
      const forged = await asBrowser(service.url, browser, 'DELETE', '/console/session', {
        csrf: null,
      });
      expect(forged.status).toBe(403);
      expect((await asBrowser(service.url, browser, 'GET', '/v1/me')).status).toBe(200);

      const out = await asBrowser(service.url, browser, 'DELETE', '/console/session');
      expect(out.status).toBe(204);
      expect(setCookie(out)).toMatch(
        /^portcullis_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/,
      );
      expect((await asBrowser(service.url, browser, 'GET', '/v1/me')).status).toBe(401);
      expect((await asBrowser(service.url, browser, 'GET', '/console/session')).status).toBe(401);
      // Signing out again is harmless.
      expect((await asBrowser(service.url, browser, 'DELETE', '/console/session')).status).toBe(
        204,
      );
    });
  });
});

// Sessions live in the SharedStore: with Redis, any instance accepts them and signing out on one
// ends them on all. Needs the real servers (the embedded default has no sharing).
(TEST_DATABASE_URL && TEST_REDIS_URL ? describe : describe.skip)(
  'Web console sessions across two instances',
  () => {
    let database: TestDatabase;
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      database = await createTestDatabase();
      const env = { REDIS_KEY_PREFIX: `test:console:${randomBytes(4).toString('hex')}:` };
      a = await startTestApp({ database, env });
      b = await startTestApp({ database, env });
    }, SLOW_START_MS);
    afterAll(async () => {
      await b?.close();
      await a?.close();
      await database?.drop();
    });

    it('opens a session on one instance, uses it on the other and signs out there', async () => {
      const browser = await signIn(a.url, { key: a.adminKey });
      const created = await asBrowser(b.url, browser, 'POST', '/v1/admin/groups', {
        body: { name: 'from-b' },
      });
      expect(created.status).toBe(201);
      expect((await asBrowser(b.url, browser, 'DELETE', '/console/session')).status).toBe(204);
      expect((await asBrowser(a.url, browser, 'GET', '/v1/me')).status).toBe(401);
    });
  },
);

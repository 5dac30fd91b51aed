import type { AdminClient } from '../support/decisions.js';
import { client, type Reply } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

function pointers(reply: Reply): string[] {
  return ((reply.body.errors ?? []) as { pointer: string }[]).map((e) => e.pointer).sort();
}

describe('Settings (admin API)', () => {
  let service: TestApp;
  let admin: AdminClient;

  beforeAll(async () => {
    service = await startTestApp();
    admin = client(service.url, service.adminKey);
  });
  afterAll(() => service.close());

  describe('happy path', () => {
    it('starts from the defaults, at version 1', async () => {
      const reply = await admin.get('/v1/admin/settings');
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        version: 1,
        enabled: true,
        disablePasswordBasicAuth: true,
        allowSelfServiceKeys: false,
        maxKeyLifetime: null,
        maxActiveKeysPerUser: null,
        trustedProxies: [],
        identityHeaderStyle: 'x-auth',
        updatedAt: expect.any(String),
      });
      expect(Number.isNaN(Date.parse(reply.body.updatedAt as string))).toBe(false);
    });

    it('changes each field, one version per change', async () => {
      const changes: Record<string, unknown>[] = [
        { enabled: false },
        { disablePasswordBasicAuth: false },
        { allowSelfServiceKeys: true },
        { maxKeyLifetime: '90 days' },
        { maxActiveKeysPerUser: 5 },
        { trustedProxies: ['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1'] },
        { identityHeaderStyle: 'oauth2-proxy' },
        { maxKeyLifetime: null },
        { enabled: true },
      ];
      let version = (await admin.get('/v1/admin/settings')).body.version as number;
      for (const change of changes) {
        const reply = await admin.patch('/v1/admin/settings', { body: change });
        expect(reply.status).toBe(200);
        expect(reply.body).toMatchObject({ ...change, version: version + 1 });
        version += 1;
        const read = await admin.get('/v1/admin/settings');
        expect(read.body).toMatchObject({ ...change, version });
      }
      // Every earlier change is still there.
      expect((await admin.get('/v1/admin/settings')).body).toMatchObject({
        enabled: true,
        disablePasswordBasicAuth: false,
        allowSelfServiceKeys: true,
        maxKeyLifetime: null,
        trustedProxies: ['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1'],
        identityHeaderStyle: 'oauth2-proxy',
      });
    });

    it('changes several fields at once in one version', async () => {
      const before = (await admin.get('/v1/admin/settings')).body;
      const reply = await admin.patch('/v1/admin/settings', {
        body: { identityHeaderStyle: 'kong', trustedProxies: [] },
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({
        identityHeaderStyle: 'kong',
        trustedProxies: [],
        version: before.version + 1,
      });
    });

    it('stores a lifetime in its canonical spelling', async () => {
      const reply = await admin.patch('/v1/admin/settings', { body: { maxKeyLifetime: '2weeks' } });
      expect(reply.status).toBe(200);
      expect(reply.body.maxKeyLifetime).toBe('2 weeks');
      const cleared = await admin.patch('/v1/admin/settings', { body: { maxKeyLifetime: null } });
      expect(cleared.body.maxKeyLifetime).toBeNull();
    });
  });

  describe('errors', () => {
    it.each([
      [{ trustedProxies: ['10.0.0.1', 'proxy.example.com'] }, ['#/trustedProxies']],
      [{ trustedProxies: ['10.0.0.0/33'] }, ['#/trustedProxies']],
      [{ trustedProxies: '10.0.0.1' }, ['#/trustedProxies']],
      [{ maxKeyLifetime: 'forever' }, ['#/maxKeyLifetime']],
      [{ maxKeyLifetime: 'never' }, ['#/maxKeyLifetime']],
      [{ maxKeyLifetime: '101 years' }, ['#/maxKeyLifetime']],
      [{ identityHeaderStyle: 'nope' }, ['#/identityHeaderStyle']],
      [{ enabled: 'yes' }, ['#/enabled']],
      [{ colour: 'blue' }, ['#/colour']],
      [
        { identityHeaderStyle: 'nope', maxKeyLifetime: 'forever', version: 7 },
        ['#/identityHeaderStyle', '#/maxKeyLifetime', '#/version'],
      ],
    ])('refuses %j with 400 and changes nothing', async (body, expected) => {
      const before = (await admin.get('/v1/admin/settings')).body;
      const reply = await admin.patch('/v1/admin/settings', { body });
      expect(reply.status).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.type).toBe('urn:portcullis:problem:validation-error');
      expect(pointers(reply)).toEqual(expected);
      const after = (await admin.get('/v1/admin/settings')).body;
      expect(after).toEqual(before);
    });
  });

  describe('security', () => {
    it('refuses callers without an admin key, changing nothing', async () => {
      const before = (await admin.get('/v1/admin/settings')).body;
      const anonymous = client(service.url);
      expect((await anonymous.get('/v1/admin/settings')).status).toBe(401);
      const patch = await anonymous.patch('/v1/admin/settings', { body: { enabled: false } });
      expect(patch.status).toBe(401);
      expect((await admin.get('/v1/admin/settings')).body).toEqual(before);
    });
  });
});

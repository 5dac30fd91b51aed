import { client } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Starting the service takes longer than Jest's 30 s when the machine is loaded.
const SLOW_START_MS = 120_000;

describe('Users (admin API)', () => {
  let service: TestApp;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    service = await startTestApp();
    admin = client(service.url, service.adminKey);
    await admin.post('/v1/admin/groups', { body: { name: 'developers' } });
    await admin.post('/v1/admin/groups', { body: { name: 'ops' } });
  }, SLOW_START_MS);
  afterAll(() => service.close());

  describe('happy path', () => {
    it('creates a user with groups, and reads, lists, changes and deletes it', async () => {
      const created = await admin.post('/v1/admin/users', {
        body: {
          username: 'Alice',
          email: 'alice@example.com',
          displayName: 'Alice L',
          groups: ['developers'],
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        username: 'Alice',
        email: 'alice@example.com',
        displayName: 'Alice L',
        disabled: false,
        groups: ['developers'],
      });
      const id = created.body.id as string;

      const fetched = await admin.get(`/v1/admin/users/${id}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body.username).toBe('Alice');

      const changed = await admin.patch(`/v1/admin/users/${id}`, {
        body: { disabled: true, displayName: null },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({
        disabled: true,
        displayName: null,
        email: 'alice@example.com',
      });

      expect((await admin.delete(`/v1/admin/users/${id}`)).status).toBe(204);
      expect((await admin.get(`/v1/admin/users/${id}`)).status).toBe(404);
    });

    it('paginates and filters by group and text', async () => {
      for (const name of ['bob', 'carol', 'dave']) {
        await admin.post('/v1/admin/users', { body: { username: name, groups: ['ops'] } });
      }
      const page = await admin.get('/v1/admin/users?group=ops&limit=2&offset=0');
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(3);
      expect(page.body.items.map((u: { username: string }) => u.username)).toEqual([
        'bob',
        'carol',
      ]);
      const next = await admin.get('/v1/admin/users?group=OPS&limit=2&offset=2');
      expect(next.body.items.map((u: { username: string }) => u.username)).toEqual(['dave']);
      const search = await admin.get('/v1/admin/users?search=aro');
      expect(search.body.items.map((u: { username: string }) => u.username)).toEqual(['carol']);
      const literal = await admin.get('/v1/admin/users?search=%25');
      expect(literal.body.total).toBe(0);
    });
  });

  describe('errors', () => {
    it('refuses a username taken in another case with 409', async () => {
      await admin.post('/v1/admin/users', { body: { username: 'erin' } });
      const duplicate = await admin.post('/v1/admin/users', { body: { username: 'ERIN' } });
      expect(duplicate.status).toBe(409);
      expect(duplicate.headers.get('content-type')).toContain('application/problem+json');
      expect(duplicate.body).toMatchObject({ type: 'about:blank', title: 'Conflict', status: 409 });
    });

    it('refuses a duplicate email with 409', async () => {
      await admin.post('/v1/admin/users', { body: { username: 'frank', email: 'f@example.com' } });
      const duplicate = await admin.post('/v1/admin/users', {
        body: { username: 'frank2', email: 'F@example.com' },
      });
      expect(duplicate.status).toBe(409);
    });

    it('lists every invalid field and changes nothing', async () => {
      const before = await admin.get('/v1/admin/users');
      const bad = await admin.post('/v1/admin/users', {
        body: { username: 'a:b', email: 5, disabled: 'yes', extra: true },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.type).toBe('urn:portcullis:problem:validation-error');
      const pointers = (bad.body.errors as { pointer: string }[]).map((e) => e.pointer).sort();
      expect(pointers).toEqual(['#/disabled', '#/email', '#/extra', '#/username']);
      const after = await admin.get('/v1/admin/users');
      expect(after.body.total).toBe(before.body.total);
    });

    it('refuses a user in a group that does not exist, creating nothing', async () => {
      const bad = await admin.post('/v1/admin/users', {
        body: { username: 'gina', groups: ['nope'] },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toContain('nope');
      const list = await admin.get('/v1/admin/users?search=gina');
      expect(list.body.total).toBe(0);
    });

    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      const malformed = await admin.get('/v1/admin/users/not-a-uuid');
      expect(malformed.status).toBe(400);
      expect(malformed.body.type).toBe('urn:portcullis:problem:validation-error');
      expect(malformed.body.errors).toEqual([{ pointer: '#/id', detail: 'must be a UUID' }]);
      const missing = await admin.get('/v1/admin/users/00000000-0000-4000-8000-000000000000');
      expect(missing.status).toBe(404);
      expect(missing.body.title).toBe('Not Found');
    });

    it('refuses out-of-range pagination', async () => {
      const bad = await admin.get('/v1/admin/users?limit=100000');
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].pointer).toBe('#/limit');
    });
  });
});

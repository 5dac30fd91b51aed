import { createGroup, createUser, type AdminClient } from '../support/decisions.js';
import { client } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

function names(items: { name: string }[]): string[] {
  return items.map((g) => g.name);
}

function usernames(items: { username: string }[]): string[] {
  return items.map((u) => u.username);
}

describe('Groups (admin API)', () => {
  let service: TestApp;
  let admin: AdminClient;

  beforeAll(async () => {
    service = await startTestApp();
    admin = client(service.url, service.adminKey);
  });
  afterAll(() => service.close());

  describe('happy path', () => {
    it('creates, reads, renames and deletes a group', async () => {
      const created = await admin.post('/v1/admin/groups', {
        body: { name: 'Developers', description: 'People who write code' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'Developers',
        description: 'People who write code',
        memberCount: 0,
      });
      expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
      const id = created.body.id as string;

      const fetched = await admin.get(`/v1/admin/groups/${id}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body).toEqual(created.body);

      const renamed = await admin.patch(`/v1/admin/groups/${id}`, {
        body: { name: 'engineering', description: null },
      });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id, name: 'engineering', description: null });
      expect((await admin.get(`/v1/admin/groups/${id}`)).body.name).toBe('engineering');

      // Changing only the case of its own name is not a conflict with itself.
      const recased = await admin.patch(`/v1/admin/groups/${id}`, {
        body: { name: 'Engineering' },
      });
      expect(recased.status).toBe(200);
      expect(recased.body.name).toBe('Engineering');

      expect((await admin.delete(`/v1/admin/groups/${id}`)).status).toBe(204);
      expect((await admin.get(`/v1/admin/groups/${id}`)).status).toBe(404);
    });

    it('lists groups by name, a page at a time', async () => {
      for (const name of ['page-c', 'Page-A', 'page-b']) await createGroup(admin, name);
      const all = await admin.get('/v1/admin/groups?limit=500');
      expect(all.status).toBe(200);
      const pageGroups = names(all.body.items).filter((n) => n.toLowerCase().startsWith('page-'));
      expect(pageGroups).toEqual(['Page-A', 'page-b', 'page-c']);

      // Other groups share the list: page through ours from where they start.
      const start = names(all.body.items).indexOf('Page-A');
      const first = await admin.get(`/v1/admin/groups?limit=2&offset=${start}`);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ total: all.body.total, limit: 2, offset: start });
      expect(names(first.body.items)).toEqual(['Page-A', 'page-b']);
      const second = await admin.get(`/v1/admin/groups?limit=2&offset=${start + 2}`);
      expect(names(second.body.items)[0]).toBe('page-c');
    });

    it('lists the groups whose name contains a text, in any case, "_" taken literally', async () => {
      for (const name of ['ops_eu', 'OPS-us', 'opsx']) await createGroup(admin, name);
      const found = await admin.get('/v1/admin/groups?search=Ops');
      expect(found.status).toBe(200);
      expect(names(found.body.items).sort()).toEqual(['OPS-us', 'ops_eu', 'opsx']);
      expect(found.body.total).toBe(3);
      expect(names((await admin.get('/v1/admin/groups?search=s_')).body.items)).toEqual(['ops_eu']);
      for (const bad of ['search=', `search=${'x'.repeat(65)}`]) {
        const reply = await admin.get(`/v1/admin/groups?${bad}`);
        expect(reply.status).toBe(400);
        expect(reply.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['#/search']);
      }
    });

    it('adds members idempotently, lists them and removes them', async () => {
      const groupId = await createGroup(admin, 'testers');
      const userId = await createUser(admin, 'tess');
      const otherId = await createUser(admin, 'tom');

      expect((await admin.put(`/v1/admin/groups/${groupId}/members/${userId}`)).status).toBe(204);
      expect((await admin.put(`/v1/admin/groups/${groupId}/members/${userId}`)).status).toBe(204);
      expect((await admin.get(`/v1/admin/groups/${groupId}`)).body.memberCount).toBe(1);
      const once = await admin.get(`/v1/admin/groups/${groupId}/members`);
      expect(once.status).toBe(200);
      expect(once.body.total).toBe(1);
      expect(usernames(once.body.items)).toEqual(['tess']);
      expect((await admin.get(`/v1/admin/users/${userId}`)).body.groups).toEqual(['testers']);

      expect((await admin.put(`/v1/admin/groups/${groupId}/members/${otherId}`)).status).toBe(204);
      const both = await admin.get(`/v1/admin/groups/${groupId}/members?limit=1&offset=1`);
      expect(both.body).toMatchObject({ total: 2, limit: 1, offset: 1 });
      expect(usernames(both.body.items)).toEqual(['tom']);

      const removed = await admin.delete(`/v1/admin/groups/${groupId}/members/${userId}`);
      expect(removed.status).toBe(204);
      expect((await admin.get(`/v1/admin/groups/${groupId}`)).body.memberCount).toBe(1);
      const left = await admin.get(`/v1/admin/groups/${groupId}/members`);
      expect(usernames(left.body.items)).toEqual(['tom']);
      expect((await admin.get(`/v1/admin/users/${userId}`)).body.groups).toEqual([]);
    });

    it('removes the memberships of a deleted group', async () => {
      const groupId = await createGroup(admin, 'short-lived');
      await createGroup(admin, 'long-lived');
      const userId = await createUser(admin, 'uma', { groups: ['short-lived', 'long-lived'] });
      expect((await admin.get(`/v1/admin/users/${userId}`)).body.groups).toEqual([
        'long-lived',
        'short-lived',
      ]);

      expect((await admin.delete(`/v1/admin/groups/${groupId}`)).status).toBe(204);
      expect((await admin.get(`/v1/admin/users/${userId}`)).body.groups).toEqual(['long-lived']);
      const listed = await admin.get('/v1/admin/users?search=uma');
      expect(listed.body.items[0].groups).toEqual(['long-lived']);
      const recreated = await createGroup(admin, 'short-lived');
      expect((await admin.get(`/v1/admin/groups/${recreated}`)).body.memberCount).toBe(0);
    });
  });

  describe('errors', () => {
    it('refuses a name taken in another case with 409, on create and on rename', async () => {
      await createGroup(admin, 'operators');
      const duplicate = await admin.post('/v1/admin/groups', { body: { name: 'OPERATORS' } });
      expect(duplicate.status).toBe(409);
      expect(duplicate.headers.get('content-type')).toContain('application/problem+json');
      expect(duplicate.body).toMatchObject({ title: 'Conflict', status: 409 });

      const otherId = await createGroup(admin, 'auditors');
      const rename = await admin.patch(`/v1/admin/groups/${otherId}`, {
        body: { name: 'Operators' },
      });
      expect(rename.status).toBe(409);
      expect((await admin.get(`/v1/admin/groups/${otherId}`)).body.name).toBe('auditors');
    });

    it('refuses invalid names and unknown fields with pointers', async () => {
      const bad = await admin.post('/v1/admin/groups', {
        body: { name: 'has space', colour: 'red' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.type).toBe('urn:portcullis:problem:validation-error');
      const pointers = (bad.body.errors as { pointer: string }[]).map((e) => e.pointer).sort();
      expect(pointers).toEqual(['#/colour', '#/name']);
    });

    it('answers 404 for an unknown group or user, and 400 for a malformed id', async () => {
      const groupId = await createGroup(admin, 'reviewers');
      const userId = await createUser(admin, 'rita');

      expect((await admin.get(`/v1/admin/groups/${UNKNOWN_ID}`)).status).toBe(404);
      const malformed = await admin.get('/v1/admin/groups/not-a-uuid');
      expect(malformed.status).toBe(400);
      expect(malformed.body.errors).toEqual([{ pointer: '#/id', detail: 'must be a UUID' }]);
      const member = await admin.put(`/v1/admin/groups/${groupId}/members/rita`);
      expect(member.status).toBe(400);
      expect(member.body.errors).toEqual([{ pointer: '#/userId', detail: 'must be a UUID' }]);
      const patch = await admin.patch(`/v1/admin/groups/${UNKNOWN_ID}`, { body: { name: 'x' } });
      expect(patch.status).toBe(404);
      expect((await admin.delete(`/v1/admin/groups/${UNKNOWN_ID}`)).status).toBe(404);
      expect((await admin.get(`/v1/admin/groups/${UNKNOWN_ID}/members`)).status).toBe(404);

      const noGroup = await admin.put(`/v1/admin/groups/${UNKNOWN_ID}/members/${userId}`);
      expect(noGroup.status).toBe(404);
      expect(noGroup.body.detail).toContain('group');
      const noUser = await admin.put(`/v1/admin/groups/${groupId}/members/${UNKNOWN_ID}`);
      expect(noUser.status).toBe(404);
      expect(noUser.body.detail).toContain('user');
      expect((await admin.delete(`/v1/admin/groups/${groupId}/members/${UNKNOWN_ID}`)).status).toBe(
        404,
      );
      // A real user who is not a member.
      expect((await admin.delete(`/v1/admin/groups/${groupId}/members/${userId}`)).status).toBe(
        404,
      );
      expect((await admin.get(`/v1/admin/groups/${groupId}`)).body.memberCount).toBe(0);
    });
  });

  describe('security', () => {
    it('refuses callers without an admin key', async () => {
      const anonymous = client(service.url);
      expect((await anonymous.get('/v1/admin/groups')).status).toBe(401);
      expect((await anonymous.post('/v1/admin/groups', { body: { name: 'sneaky' } })).status).toBe(
        401,
      );
      const all = await admin.get('/v1/admin/groups?limit=500');
      expect(names(all.body.items)).not.toContain('sneaky');
    });
  });
});

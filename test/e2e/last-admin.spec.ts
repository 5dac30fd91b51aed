import { createFirstAdmin } from '../../src/bootstrap/first-admin.js';
import { createKey, createUser, type AdminClient } from '../support/decisions.js';
import { client, type Reply } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ADMINS = 'portcullis-admins';

/** A 409 that says no admin would be left, and how to get out. */
function expectLastAdminRefusal(reply: Reply, what: string): void {
  expect({ what, status: reply.status, type: reply.body?.type }).toEqual({
    what,
    status: 409,
    type: 'urn:portcullis:problem:last-admin',
  });
  expect(reply.body.detail).toContain('bootstrap-admin');
}

// No change through the admin API may leave Portcullis without an enabled admin holding an active
// key; bootstrap-admin on the host is the way back when it happened anyway.
describe('The last usable admin', () => {
  let service: TestApp;
  let admin: AdminClient;
  let adminsGroupId: string;
  let adminKeyDbId: string;

  beforeAll(async () => {
    service = await startTestApp();
    admin = client(service.url, service.adminKey);
    const groups = await admin.get('/v1/admin/groups');
    adminsGroupId = groups.body.items.find((g: { name: string }) => g.name === ADMINS).id;
    const keys = await admin.get(`/v1/admin/keys?userId=${service.adminUserId}`);
    adminKeyDbId = keys.body.items[0].id;
  }, 120_000);
  afterAll(() => service.close());

  /** Every way of taking the only admin away, each refused, each leaving the admin working. */
  const lockouts: [string, () => Promise<Reply>][] = [
    ['deleting the admins group', () => admin.delete(`/v1/admin/groups/${adminsGroupId}`)],
    [
      'renaming the admins group',
      () => admin.patch(`/v1/admin/groups/${adminsGroupId}`, { body: { name: 'former-admins' } }),
    ],
    [
      "removing the last admin's membership",
      () => admin.delete(`/v1/admin/groups/${adminsGroupId}/members/${service.adminUserId}`),
    ],
    [
      'disabling the last admin',
      () => admin.patch(`/v1/admin/users/${service.adminUserId}`, { body: { disabled: true } }),
    ],
    ['deleting the last admin', () => admin.delete(`/v1/admin/users/${service.adminUserId}`)],
    [
      "revoking the last admin's last key",
      () => admin.post(`/v1/admin/keys/${adminKeyDbId}/revoke`),
    ],
    ["deleting the last admin's last key", () => admin.delete(`/v1/admin/keys/${adminKeyDbId}`)],
    [
      'the last admin revoking their own key',
      () => admin.post(`/v1/me/keys/${adminKeyDbId}/revoke`),
    ],
  ];

  it.each(lockouts)('refuses %s with 409, and changes nothing', async (what, change) => {
    const before = await admin.get(`/v1/admin/users/${service.adminUserId}`);
    expectLastAdminRefusal(await change(), what);
    expect((await admin.get(`/v1/admin/users/${service.adminUserId}`)).body).toEqual(before.body);
    expect((await admin.get(`/v1/admin/keys/${adminKeyDbId}`)).body.state).toBe('active');
    expect((await admin.get(`/v1/admin/groups/${adminsGroupId}`)).body.name).toBe(ADMINS);
  });

  it('allows the same changes to one admin while another can still sign in', async () => {
    const otherId = await createUser(admin, 'second-admin', { groups: [ADMINS] });
    // Not yet: the second admin has no key.
    expectLastAdminRefusal(
      await admin.post(`/v1/admin/keys/${adminKeyDbId}/revoke`),
      'revoking while the other admin has no key',
    );
    const other = await createKey(admin, { userId: otherId });
    const spare = await createKey(admin, { userId: service.adminUserId });
    expect((await admin.post(`/v1/admin/keys/${spare.id}/revoke`)).status).toBe(200);
    const second = client(service.url, other.key);
    expect(
      (await second.patch(`/v1/admin/users/${service.adminUserId}`, { body: { disabled: true } }))
        .status,
    ).toBe(200);
    // Now the second admin is the last one.
    expectLastAdminRefusal(
      await second.patch(`/v1/admin/users/${otherId}`, { body: { disabled: true } }),
      'disabling the second admin, now the last',
    );
    expect(
      (await second.patch(`/v1/admin/users/${service.adminUserId}`, { body: { disabled: false } }))
        .status,
    ).toBe(200);
  });

  it('lets bootstrap-admin make an admin again when none can sign in, and not before', async () => {
    await expect(
      createFirstAdmin(service.runtime.dataSource, service.runtime.hasher, ADMINS, {
        username: 'rescuer',
      }),
    ).rejects.toThrow('An admin already exists');
    // Every admin's keys revoked behind the API's back (as an expiry would).
    await service.runtime.dataSource.query(
      `UPDATE api_keys SET revoked_at = now() WHERE owner_id IN (
         SELECT m.user_id FROM memberships m JOIN groups g ON g.id = m.group_id WHERE g.name = $1)`,
      [ADMINS],
    );
    const rescued = await createFirstAdmin(
      service.runtime.dataSource,
      service.runtime.hasher,
      ADMINS,
      { username: service.adminUsername },
    );
    expect(rescued.userId).toBe(service.adminUserId);
    expect((await client(service.url, rescued.key).get('/v1/admin/users')).status).toBe(200);
  });
});

import type { Identity } from '../core/identity.js';

/** Whether someone in these groups is an admin (ADMIN_GROUP, without regard to case). */
export function isAdmin(groups: readonly string[], adminGroup: string): boolean {
  const admins = adminGroup.toLowerCase();
  return groups.some((group) => group.toLowerCase() === admins);
}

/**
 * Who may hold a console session opened through an identity provider: admins; other users only
 * while self-service keys are allowed, and then only for "My keys" (the admin API refuses them as
 * it refuses their keys). Without self-service, a user who is not an admin would find nothing to
 * do there, so the sign-in says so instead of opening an empty console.
 */
export function mayUseConsole(
  identity: Pick<Identity, 'groups'>,
  adminGroup: string,
  selfServiceKeys: boolean,
): boolean {
  return selfServiceKeys || isAdmin(identity.groups, adminGroup);
}

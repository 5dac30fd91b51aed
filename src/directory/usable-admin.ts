import type { EntityManager } from 'typeorm';
import { PROBLEM_TYPES, ProblemException } from '../common/problem.js';

/**
 * An enabled member of the admins group who holds an active key (not revoked, not expired) that
 * is not limited to some routes: someone who can still use the admin API. (Keys' allowed addresses
 * and quotas apply to decisions, not to the admin API; a key limited to routes cannot use it.)
 */
const USABLE_ADMIN = `
  SELECT EXISTS (
    SELECT 1 FROM users u
      JOIN memberships m ON m.user_id = u.id
      JOIN groups g ON g.id = m.group_id
     WHERE lower(g.name) = lower($1) AND NOT u.disabled
       AND EXISTS (
         SELECT 1 FROM api_keys k
          WHERE k.owner_id = u.id AND k.revoked_at IS NULL AND k.routes = '[]'::jsonb
            AND (k.expires_at IS NULL OR k.expires_at > now()))
  ) AS usable`;

export async function hasUsableAdmin(
  db: Pick<EntityManager, 'query'>,
  adminGroup: string,
): Promise<boolean> {
  const [row] = (await db.query(USABLE_ADMIN, [adminGroup])) as { usable: boolean }[];
  return row?.usable === true;
}

/**
 * Refuses (409) a change, made in `tx` but not committed, after which nobody could use the admin
 * API: the transaction is rolled back. Called by every change that can take an admin away.
 */
export async function assertUsableAdminRemains(
  tx: Pick<EntityManager, 'query'>,
  adminGroup: string,
): Promise<void> {
  if (await hasUsableAdmin(tx, adminGroup)) return;
  throw lastAdminProblem(adminGroup);
}

export function lastAdminProblem(adminGroup: string, what = 'This change'): ProblemException {
  return new ProblemException(
    409,
    `${what} would leave no enabled member of "${adminGroup}" with an active key, and nobody could ` +
      'administer Portcullis. Give another admin a key first. (On the host, `portcullis ' +
      'bootstrap-admin` makes an admin whenever none can sign in.)',
    { type: PROBLEM_TYPES.lastAdmin, title: 'This would leave no usable admin' },
  );
}

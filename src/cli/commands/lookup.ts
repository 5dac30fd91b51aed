import { listAll, type AdminApi } from '../../admin-client/admin-api.js';
import { UsageError } from '../cli-context.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface UserRecord {
  id: string;
  username: string;
  email: string | null;
  displayName: string | null;
  disabled: boolean;
  groups: string[];
}

export interface GroupRecord {
  id: string;
  name: string;
  description: string | null;
  memberCount: number;
  rateLimit?: string | null;
}

/** A user by username (without regard to case) or id; a usage error when there is none. */
export async function findUser(api: AdminApi, nameOrId: string): Promise<UserRecord> {
  if (UUID.test(nameOrId)) return api.request<UserRecord>('GET', `/v1/admin/users/${nameOrId}`);
  const candidates = await listAll<UserRecord>(api, '/v1/admin/users', { search: nameOrId });
  const user = candidates.find((u) => u.username.toLowerCase() === nameOrId.toLowerCase());
  if (!user) throw new NotFound(`No user named "${nameOrId}"`);
  return user;
}

/** A group by name (without regard to case) or id. */
export async function findGroup(api: AdminApi, nameOrId: string): Promise<GroupRecord> {
  if (UUID.test(nameOrId)) return api.request<GroupRecord>('GET', `/v1/admin/groups/${nameOrId}`);
  const groups = await listAll<GroupRecord>(api, '/v1/admin/groups');
  const group = groups.find((g) => g.name.toLowerCase() === nameOrId.toLowerCase());
  if (!group) throw new NotFound(`No group named "${nameOrId}"`);
  return group;
}

/** A name the server does not know: a refusal, like the server's own 404. */
export class NotFound extends Error {
  override name = 'NotFound';
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Values of a repeatable option, also accepting comma-separated lists. */
export function listOption(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/**
 * `--rate-limit` of an update: "600 per minute" as given (the server validates it), `none` to
 * remove the limit (null), absent: unchanged (undefined).
 */
export function rateLimitOption(value: string | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  return value.trim().toLowerCase() === 'none' ? null : value;
}

/** An update that would change nothing is a mistake in the command line, not a no-op. */
export function requireChange(change: Record<string, unknown>, flags: string): void {
  if (Object.values(change).every((value) => value === undefined)) {
    throw new UsageError(`Nothing to change: give ${flags}`);
  }
}

export function requireOption<T>(value: T | undefined, flag: string): T {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  return value;
}

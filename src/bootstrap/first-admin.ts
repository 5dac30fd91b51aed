import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { cliCommand } from './cli-command.js';
import { AuditEvent } from '../audit/audit-event.entity.js';
import type { KeyHasher } from '../crypto/key-hasher.js';
import { Group } from '../directory/group.entity.js';
import { USERNAME_PATTERN } from '../directory/directory.dto.js';
import { Membership } from '../directory/membership.entity.js';
import { hasUsableAdmin } from '../directory/usable-admin.js';
import { User } from '../directory/user.entity.js';
import { ApiKey } from '../keys/api-key.entity.js';
import { generateKey, parseKey } from '../keys/key-format.js';

export class BootstrapRefusedError extends Error {
  override name = 'BootstrapRefusedError';
}

export interface FirstAdminRequest {
  username: string;
  email?: string;
  /** Use this key (PORTCULLIS_BOOTSTRAP_ADMIN_KEY) instead of generating one. */
  key?: string;
}

export interface FirstAdmin {
  userId: string;
  username: string;
  keyId: string;
  /** The plaintext key: show it once, never log it. */
  key: string;
}

/**
 * Creates the first admin (user, admins group, membership and a bearer key that never expires) on
 * an install that has none able to sign in (none, or all disabled or without an active key; an
 * existing user of that name is enabled and given the new key). Works on the database directly, so that it needs no admin to exist.
 */
export async function createFirstAdmin(
  dataSource: DataSource,
  hasher: KeyHasher,
  adminGroup: string,
  request: FirstAdminRequest,
): Promise<FirstAdmin> {
  if (!USERNAME_PATTERN.test(request.username)) {
    throw new BootstrapRefusedError(
      `"${request.username}" is not a valid username (letters, digits and . _ @ -)`,
    );
  }
  if (request.key !== undefined && parseKey(request.key) === undefined) {
    throw new BootstrapRefusedError(
      `The bootstrap key is not a well-formed Portcullis key; make one with: ${cliCommand('generate-key')}`,
    );
  }
  const { plaintext, keyId } =
    request.key !== undefined
      ? { plaintext: request.key, keyId: parseKey(request.key)! }
      : generateKey();

  return dataSource.transaction(async (tx) => {
    // The escape hatch when every admin is disabled or keyless: only a usable admin stops it.
    if (await hasUsableAdmin(tx, adminGroup)) {
      throw new BootstrapRefusedError(
        `An admin already exists (an enabled member of "${adminGroup}" with an active key); ask them for a key`,
      );
    }
    let group = await tx
      .createQueryBuilder(Group, 'g')
      .where('lower(g.name) = lower(:name)', { name: adminGroup })
      .getOne();
    if (!group) {
      group = tx.create(Group, {
        id: randomUUID(),
        name: adminGroup,
        description: 'Portcullis administrators',
      });
      await tx.insert(Group, group);
    }
    let user = await tx
      .createQueryBuilder(User, 'u')
      .where('lower(u.username) = lower(:username)', { username: request.username })
      .getOne();
    if (!user) {
      user = tx.create(User, {
        id: randomUUID(),
        username: request.username,
        email: request.email ?? null,
        displayName: null,
        disabled: false,
      });
      await tx.insert(User, user);
    } else if (user.disabled) {
      await tx.update(User, { id: user.id }, { disabled: false });
    }
    await tx
      .createQueryBuilder()
      .insert()
      .into(Membership)
      .values({ userId: user.id, groupId: group.id })
      .orIgnore()
      .execute();
    await tx.insert(ApiKey, {
      id: randomUUID(),
      keyId,
      hash: hasher.hash(plaintext),
      type: 'bearer',
      ownerId: user.id,
      name: 'bootstrap admin key',
      description: 'Created by bootstrap-admin; revoke it once you have made your own keys',
      createdById: null,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    await tx.insert(AuditEvent, {
      id: randomUUID(),
      actorUserId: null,
      actorUsername: null,
      actorKeyId: null,
      action: 'admin.bootstrap',
      targetId: user.id,
      ip: null,
      details: { username: user.username, group: group.name, keyId },
    });
    return { userId: user.id, username: user.username, keyId, key: plaintext };
  });
}

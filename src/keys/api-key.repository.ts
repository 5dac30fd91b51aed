import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApiKeyType } from './api-key.entity.js';
import type { KeyRecord } from './key-record.js';

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The key whose hash this is, with its owner and the owner's group names; one indexed query. */
  async findRecordByHash(hash: string): Promise<KeyRecord | undefined> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT k.id, k.key_id, k.hash, k.type, k.created_at, k.expires_at, k.revoked_at,
              k.allowed_ips,
              u.id AS user_id, u.username, u.email, u.display_name, u.disabled,
              coalesce(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.name IS NOT NULL), '{}') AS groups
         FROM api_keys k
         JOIN users u ON u.id = k.owner_id
         LEFT JOIN memberships m ON m.user_id = u.id
         LEFT JOIN groups g ON g.id = m.group_id
        WHERE k.hash = $1
        GROUP BY k.id, u.id`,
      [hash],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      id: row.id as string,
      keyId: row.key_id as string,
      hash: row.hash as string,
      type: row.type as ApiKeyType,
      createdAt: (row.created_at as Date).getTime(),
      expiresAt: (row.expires_at as Date | null)?.getTime() ?? null,
      revokedAt: (row.revoked_at as Date | null)?.getTime() ?? null,
      userId: row.user_id as string,
      username: row.username as string,
      email: row.email as string | null,
      displayName: row.display_name as string | null,
      disabled: row.disabled as boolean,
      groups: row.groups as string[],
      allowedIps: row.allowed_ips as string[],
    };
  }

  /** The public ids of every key the given users own (for cache invalidation). */
  /** Stores a key's hash under the current secret in place of the previous secret's (rotation). */
  async replaceHash(id: string, previousHash: string, hash: string): Promise<void> {
    await this.dataSource.query('UPDATE api_keys SET hash = $3 WHERE id = $1 AND hash = $2', [
      id,
      previousHash,
      hash,
    ]);
  }

  async keyIdsOfUsers(userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows: { key_id: string }[] = await this.dataSource.query(
      'SELECT key_id FROM api_keys WHERE owner_id = ANY($1)',
      [userIds],
    );
    return rows.map((r) => r.key_id);
  }

  /** Writes last-used times in one statement; never moves a time backwards. */
  async recordLastUsed(lastUsed: ReadonlyMap<string, number>): Promise<void> {
    if (lastUsed.size === 0) return;
    await this.dataSource.query(
      `UPDATE api_keys k SET last_used_at = u.at
         FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::timestamptz[]) AS at) u
        WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`,
      [[...lastUsed.keys()], [...lastUsed.values()].map((ms) => new Date(ms).toISOString())],
    );
  }
}

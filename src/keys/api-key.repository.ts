import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApiKeyType } from './api-key.entity.js';

/** What authentication needs to know of a key and its owner, read in one round trip. */
export interface KeyCredentialRow {
  id: string;
  keyId: string;
  type: ApiKeyType;
  expiresAt: Date | null;
  revokedAt: Date | null;
  userId: string;
  username: string;
  email: string | null;
  displayName: string | null;
  disabled: boolean;
  groups: string[];
}

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The key whose hash this is, with its owner and the owner's group names; one indexed query. */
  async findCredentialByHash(hash: string): Promise<KeyCredentialRow | undefined> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT k.id, k.key_id, k.type, k.expires_at, k.revoked_at,
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
      type: row.type as ApiKeyType,
      expiresAt: row.expires_at as Date | null,
      revokedAt: row.revoked_at as Date | null,
      userId: row.user_id as string,
      username: row.username as string,
      email: row.email as string | null,
      displayName: row.display_name as string | null,
      disabled: row.disabled as boolean,
      groups: row.groups as string[],
    };
  }
}

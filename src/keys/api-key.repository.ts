import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApiKeyType } from './api-key.entity.js';
import { rateFromColumns } from '../limits/rate-limit.dto.js';
import type { KeyRoute } from '../core/identity.js';
import type { KeyRecord } from './key-record.js';

/** The json_agg of groups' quotas (a string from drivers that do not parse json). */
function groupRateLimits(value: unknown): KeyRecord['groupRateLimits'] {
  const rows = (typeof value === 'string' ? JSON.parse(value) : value) as {
    groupId: string;
    requests: number;
    periodSeconds: number;
  }[];
  return rows.map(({ groupId, requests, periodSeconds }) => ({
    groupId,
    rate: { requests, periodSeconds },
  }));
}

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The key whose hash this is, with its owner and the owner's group names; one indexed query. */
  async findRecordByHash(hash: string): Promise<KeyRecord | undefined> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT k.id, k.key_id, k.hash, k.type, k.created_at, k.expires_at, k.revoked_at,
              k.allowed_ips, k.scopes, k.routes, k.rate_limit_requests, k.rate_limit_period_seconds,
              u.id AS user_id, u.username, u.email, u.display_name, u.disabled,
              coalesce(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.name IS NOT NULL), '{}') AS groups,
              coalesce(json_agg(json_build_object(
                'groupId', g.id,
                'requests', g.rate_limit_requests,
                'periodSeconds', g.rate_limit_period_seconds
              ) ORDER BY g.name) FILTER (WHERE g.rate_limit_requests IS NOT NULL
                                            AND g.rate_limit_period_seconds IS NOT NULL), '[]') AS group_rate_limits
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
      scopes: row.scopes as string[],
      routes: (typeof row.routes === 'string' ? JSON.parse(row.routes) : row.routes) as KeyRoute[],
      rateLimit: rateFromColumns({
        rateLimitRequests: row.rate_limit_requests as number | null,
        rateLimitPeriodSeconds: row.rate_limit_period_seconds as number | null,
      }),
      groupRateLimits: groupRateLimits(row.group_rate_limits),
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

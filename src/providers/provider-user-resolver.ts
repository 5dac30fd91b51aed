import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { MaybePromise } from '../core/maybe-promise.js';
import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ChangeFeed } from '../cache/change-feed.js';
import { AppConfig } from '../config/app-config.js';
import { USERNAME_PATTERN } from '../directory/directory.dto.js';
import { User } from '../directory/user.entity.js';
import type { MatchBy } from './provider.entity.js';
import { ProviderRegistry } from './provider-registry.js';

/** A local user as a provider token resolves to. */
export interface LocalUser {
  id: string;
  username: string;
  email: string | null;
  displayName: string | null;
  disabled: boolean;
  groups: string[];
}

const MAX_ENTRIES = 10_000;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * Finds the local user a provider's token speaks for, by username or by email, without regard to
 * case; creates it when the provider provisions users. Lookups are remembered in process for the
 * in-process TTL, and forgotten whenever a user or a provider changes anywhere.
 */
@Injectable()
export class ProviderUserResolver implements OnModuleInit {
  private readonly cache: LRUCache<string, LocalUser | 'none'>;
  private readonly negativeTtlMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: ChangeFeed,
    private readonly registry: ProviderRegistry,
    config: AppConfig,
  ) {
    this.cache = new LRUCache({ max: MAX_ENTRIES, ttl: config.cache.localTtlMs });
    this.negativeTtlMs = Math.max(1, config.cache.negativeTtlMs);
  }

  async onModuleInit(): Promise<void> {
    await this.changes.subscribe((change) => {
      if (change.kind === 'users') this.cache.clear();
    });
    this.registry.onReload(() => this.cache.clear());
  }

  /**
   * The user named by `value`, or undefined: at once when this process remembers the answer, else
   * a promise (the database is asked). Throws (or rejects) only when the database fails.
   */
  find(matchBy: MatchBy, value: string): MaybePromise<LocalUser | undefined> {
    const cached = this.cache.get(`${matchBy}:${value.toLowerCase()}`);
    if (cached !== undefined) return cached === 'none' ? undefined : cached;
    return this.lookUp(matchBy, value);
  }

  private async lookUp(matchBy: MatchBy, value: string): Promise<LocalUser | undefined> {
    const key = `${matchBy}:${value.toLowerCase()}`;
    const column = matchBy === 'email' ? 'email' : 'username';
    const user = await this.query(`lower(u.${column}) = lower($1)`, value);
    this.cache.set(key, user ?? 'none', user ? {} : { ttl: this.negativeTtlMs });
    return user;
  }

  /** The user with this id, read afresh (console sessions check it on every request). */
  byId(id: string): Promise<LocalUser | undefined> {
    return this.query('u.id = $1', id);
  }

  private async query(condition: string, value: string): Promise<LocalUser | undefined> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT u.id, u.username, u.email, u.display_name, u.disabled,
              coalesce(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.name IS NOT NULL), '{}') AS groups
         FROM users u
         LEFT JOIN memberships m ON m.user_id = u.id
         LEFT JOIN groups g ON g.id = m.group_id
        WHERE ${condition}
        GROUP BY u.id`,
      [value],
    );
    const row = rows[0];
    return (
      row && {
        id: row.id as string,
        username: row.username as string,
        email: row.email as string | null,
        displayName: row.display_name as string | null,
        disabled: row.disabled as boolean,
        groups: row.groups as string[],
      }
    );
  }

  /**
   * Creates the user a token names (just-in-time provisioning), with no groups. Undefined when the
   * value cannot be a username (or email), or a concurrent creation won: then it is looked up.
   */
  async provision(
    matchBy: MatchBy,
    value: string,
    profile: { email?: string; displayName?: string },
  ): Promise<LocalUser | undefined> {
    // Matched by email, the email is the username too: it is what the user is known by.
    const email = matchBy === 'email' ? value : profile.email;
    const username = value;
    if (!USERNAME_PATTERN.test(username) || (email !== undefined && !EMAIL.test(email))) {
      return undefined;
    }
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(User)
      .values({
        id: randomUUID(),
        username,
        email: email ?? null,
        displayName: profile.displayName?.slice(0, 200) ?? null,
        disabled: false,
      })
      .orIgnore()
      .execute();
    this.cache.delete(`${matchBy}:${value.toLowerCase()}`);
    return this.find(matchBy, value);
  }
}

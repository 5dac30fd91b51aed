import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ChangeFeed } from '../cache/change-feed.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { KeyRecordCache } from './key-record-cache.js';

const RETRY_MS = 1000;

/**
 * Makes every instance forget what it cached about changed keys and users: the instance that made
 * the change drops the shared (Redis) entries once, then announces the change; every instance,
 * itself included, drops its in-process entries on hearing it. When Redis cannot be reached, the
 * drop and the announcement are retried every second until they succeed, so that no stale entry
 * outlives the outage in Redis.
 */
@Injectable()
export class CredentialInvalidator implements OnModuleInit, OnApplicationShutdown {
  private readonly pending = new Set<string>();
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly cache: KeyRecordCache,
    private readonly changes: ChangeFeed,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.changes.subscribe((change) => {
      if (change.kind === 'keys') this.cache.dropLocal(change.keyIds);
    });
  }

  /** Key ids of everything these users own: read them before a delete cascades them away. */
  keyIdsOfUsers(userIds: readonly string[]): Promise<string[]> {
    return this.keys.keyIdsOfUsers(userIds);
  }

  async users(userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.keyIds(await this.keys.keyIdsOfUsers(userIds));
    await this.announceUsers(userIds);
  }

  /**
   * Identities resolved from provider tokens are held per user, not per key. (Not retried when
   * the bus is down: those entries live for the in-process TTL at most.)
   */
  async announceUsers(userIds: readonly string[]): Promise<void> {
    await this.changes.publish({ kind: 'users', userIds: [...userIds] });
  }

  async keyIds(keyIds: readonly string[]): Promise<void> {
    if (keyIds.length === 0) return;
    this.cache.dropLocal(keyIds);
    if (!(await this.dropAndAnnounce(keyIds))) this.retryLater(keyIds);
  }

  onApplicationShutdown(): void {
    clearInterval(this.retry);
  }

  private async dropAndAnnounce(keyIds: readonly string[]): Promise<boolean> {
    try {
      await this.cache.dropShared(keyIds);
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message, keys: keyIds.length },
        'Could not drop shared cache entries',
      );
      return false;
    }
    return this.changes.publish({ kind: 'keys', keyIds: [...keyIds] });
  }

  private retryLater(keyIds: readonly string[]): void {
    for (const keyId of keyIds) this.pending.add(keyId);
    if (this.retry) return;
    this.retry = setInterval(() => {
      const batch = [...this.pending];
      void this.dropAndAnnounce(batch).then((done) => {
        if (!done) return;
        for (const keyId of batch) this.pending.delete(keyId);
        if (this.pending.size === 0) {
          clearInterval(this.retry);
          this.retry = undefined;
        }
      });
    }, RETRY_MS);
    this.retry.unref();
  }
}

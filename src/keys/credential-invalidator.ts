import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ChangeFeed } from '../cache/change-feed.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { KeyRecordCache } from './key-record-cache.js';

/**
 * Makes every instance forget what it cached about changed keys and users: the instance that made
 * the change drops the shared (Redis) entries once, then announces the change; every instance,
 * itself included, drops its in-process entries on hearing it.
 */
@Injectable()
export class CredentialInvalidator implements OnModuleInit {
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
    await this.keyIds(await this.keys.keyIdsOfUsers(userIds));
  }

  async keyIds(keyIds: readonly string[]): Promise<void> {
    if (keyIds.length === 0) return;
    this.cache.dropLocal(keyIds);
    try {
      await this.cache.dropShared(keyIds);
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message, keys: keyIds.length },
        'Could not drop shared cache entries',
      );
    }
    await this.changes.publish({ kind: 'keys', keyIds: [...keyIds] });
  }
}

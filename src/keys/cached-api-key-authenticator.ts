import { Injectable } from '@nestjs/common';
import { KeyHasher } from '../crypto/key-hasher.js';
import { KeyAuthenticatorBase } from './api-key-authenticator.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { KeyRecordCache } from './key-record-cache.js';
import type { KeyRecord } from './key-record.js';

/** Key checks for the decision path: through the two-tier cache, then the database. */
@Injectable()
export class CachedApiKeyAuthenticator extends KeyAuthenticatorBase {
  constructor(
    hasher: KeyHasher,
    private readonly keys: ApiKeyRepository,
    private readonly cache: KeyRecordCache,
  ) {
    super(hasher);
  }

  protected async find(keyId: string, hash: string): Promise<KeyRecord | undefined> {
    const cached = this.cache.getLocal(keyId, hash) ?? (await this.cache.getShared(keyId, hash));
    if (cached === 'unknown') return undefined;
    if (cached !== undefined) return cached;
    const record = await this.keys.findRecordByHash(hash);
    if (record === undefined || record.keyId !== keyId) {
      this.cache.setUnknown(hash);
      return undefined;
    }
    this.cache.set(record);
    return record;
  }
}

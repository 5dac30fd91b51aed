import { Injectable } from '@nestjs/common';
import { MessageBus, SharedStore } from '../cache/shared-store.js';
import { TwoTierCache, type CacheRead, type FillTicket } from '../cache/two-tier-cache.js';
import { AppConfig } from '../config/app-config.js';
import { isCurrentRecord, type KeyRecord } from './key-record.js';

/**
 * Key records in the two-tier cache. A found key is cached under its public key id (`k:<id>`), so a
 * change to it can be dropped by id, and is only used for a presented key whose hash matches. A key
 * that does not exist is remembered under its hash (`n:<hmac>`): never the key itself, and never
 * under a key id, which an attacker could borrow to shadow a real key.
 */
@Injectable()
export class KeyRecordCache {
  private readonly cache: TwoTierCache<KeyRecord>;

  constructor(
    private readonly config: AppConfig,
    store: SharedStore,
    bus: MessageBus,
  ) {
    this.cache = new TwoTierCache('key:', config.cache, store, bus);
  }

  /** The cached record for this key id and hash, from this process; 'unknown' when known not to exist. */
  getLocal(keyId: string, hash: string): KeyRecord | 'unknown' | undefined {
    const found = this.cache.getLocal(`k:${keyId}`);
    if (found.hit === 'value' && found.value.hash === hash && isCurrentRecord(found.value)) {
      return found.value;
    }
    return this.cache.getLocal(`n:${hash}`).hit === 'negative' ? 'unknown' : undefined;
  }

  /**
   * The same from the shared tier, both entries in one round trip, with the ticket that what the
   * database says next is cached with (see FillTicket).
   */
  async getShared(
    keyId: string,
    hash: string,
  ): Promise<{ found: KeyRecord | 'unknown' | undefined; ticket: FillTicket }> {
    const { reads, ticket } = await this.cache.readShared([`k:${keyId}`, `n:${hash}`]);
    return { found: this.pick(reads[0]!, reads[1]!, hash), ticket };
  }

  private pick(
    found: CacheRead<KeyRecord>,
    negative: CacheRead<KeyRecord>,
    hash: string,
  ): KeyRecord | 'unknown' | undefined {
    if (found.hit === 'value' && found.value.hash === hash && isCurrentRecord(found.value)) {
      return found.value;
    }
    return negative.hit === 'negative' ? 'unknown' : undefined;
  }

  /**
   * Caches a record, never past its key's expiry; an expired key (which stays expired) for the
   * negative TTL, so that a flood of it stays off the database too. `ticket`: that of the lookup
   * that found it (see FillTicket).
   */
  set(record: KeyRecord, ticket?: FillTicket, now = Date.now()): void {
    const untilExpiry = record.expiresAt === null ? Infinity : record.expiresAt - now;
    const ttl =
      untilExpiry > 0
        ? Math.min(this.config.cache.sharedTtlMs || this.config.cache.localTtlMs, untilExpiry)
        : this.config.cache.negativeTtlMs;
    if (ttl > 0) this.cache.set(`k:${record.keyId}`, record, ttl, ticket);
  }

  setUnknown(hash: string, ticket: FillTicket): void {
    this.cache.setNegative(`n:${hash}`, ticket);
  }

  dropLocal(keyIds: readonly string[]): void {
    this.cache.dropLocal(keyIds.map((id) => `k:${id}`));
  }

  dropShared(keyIds: readonly string[]): Promise<void> {
    return this.cache.dropShared(keyIds.map((id) => `k:${id}`));
  }
}

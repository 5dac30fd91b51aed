import { Injectable } from '@nestjs/common';
import { KeyHasher } from '../crypto/key-hasher.js';
import type { Identity } from '../decision/identity.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { parseKey } from './key-format.js';
import { KeyRecordCache } from './key-record-cache.js';
import { checkKeyRecord, type KeyCheck, type KeyRecord } from './key-record.js';

export type { KeyCheck, KeyDenialReason } from './key-record.js';
/** The caller of an admin or self-service endpoint. */
export type Principal = Identity;

/**
 * Checks a Portcullis API key: format and checksum first (no lookup for garbage), then its record
 * (the two-tier cache, then the database), then the key's state and its owner's. Denials are
 * values; only infrastructure throws. Every caller of Portcullis goes through here: proxies'
 * decisions and the admin, self-service and introspection APIs alike.
 */
@Injectable()
export class ApiKeyAuthenticator {
  constructor(
    private readonly hasher: KeyHasher,
    private readonly keys: ApiKeyRepository,
    private readonly cache: KeyRecordCache,
  ) {}

  /** A key sent as `Authorization: Bearer <key>`. */
  bearer(token: string, now = Date.now()): Promise<KeyCheck> {
    return this.check(token, { type: 'bearer' }, now);
  }

  /** A key sent as Basic `username:key`; valid only with its owner's username. */
  basic(username: string, token: string, now = Date.now()): Promise<KeyCheck> {
    return this.check(token, { type: 'basic', username }, now);
  }

  /** The record of a well-formed, known key, whatever its state or type (for introspection). */
  async record(token: string): Promise<KeyRecord | undefined> {
    const keyId = parseKey(token);
    return keyId === undefined ? undefined : this.find(keyId, this.hasher.hash(token));
  }

  private async check(
    token: string,
    sentAs: Parameters<typeof checkKeyRecord>[1],
    now: number,
  ): Promise<KeyCheck> {
    const keyId = parseKey(token);
    if (keyId === undefined) return { ok: false, reason: 'malformed_credential' };
    const record = await this.find(keyId, this.hasher.hash(token));
    if (record === undefined) return { ok: false, reason: 'unknown_key' };
    return checkKeyRecord(record, sentAs, now);
  }

  private async find(keyId: string, hash: string): Promise<KeyRecord | undefined> {
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

import type { Credential } from '../core/credential.js';
import { looksLikeKey } from './key-format.js';
import { Injectable } from '@nestjs/common';
import { KeyHashMemo } from '../crypto/key-hash-memo.js';
import { KeyHasher } from '../crypto/key-hasher.js';
import type { Identity } from '../core/identity.js';
import type { MaybePromise } from '../core/maybe-promise.js';
import { Metrics } from '../metrics/metrics.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { KEY_LENGTH, keyIdOf, parseKey } from './key-format.js';
import { KeyRecordCache } from './key-record-cache.js';
import { checkKeyRecord, type KeyCheck, type KeyRecord } from './key-record.js';

export type { KeyCheck, KeyDenialReason } from './key-record.js';

type SentAs = Parameters<typeof checkKeyRecord>[1];
const BEARER: SentAs = { type: 'bearer' };
const MALFORMED: KeyCheck = { ok: false, reason: 'malformed_credential' };
const UNKNOWN: KeyCheck = { ok: false, reason: 'unknown_key' };
const isWellFormed = (token: string) => parseKey(token) !== undefined;

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
  /** Keys are presented again and again: their HMACs are remembered (by digest, never the key). */
  private readonly hashes: KeyHashMemo;

  constructor(
    private readonly hasher: KeyHasher,
    private readonly keys: ApiKeyRepository,
    private readonly cache: KeyRecordCache,
    private readonly metrics: Metrics,
  ) {
    this.hashes = new KeyHashMemo(hasher);
  }

  /**
   * A key sent as `Authorization: Bearer <key>`. Answered at once when this process holds the
   * key's record (or knows it does not exist), else a promise: Redis or the database is asked.
   */
  bearer(token: string, now = Date.now()): MaybePromise<KeyCheck> {
    return this.check(token, BEARER, now);
  }

  /** A key sent as Basic `username:key`; valid only with its owner's username. */
  basic(username: string, token: string, now = Date.now()): MaybePromise<KeyCheck> {
    return this.check(token, { type: 'basic', username }, now);
  }

  /**
   * The check of a key from this process's memory alone (its record cached here, or known not to
   * exist); undefined when answering would need Redis or the database. Nothing is looked up.
   */
  inMemory(token: string, username?: string, now = Date.now()): KeyCheck | undefined {
    if (token.length !== KEY_LENGTH) return MALFORMED;
    const hash = this.hashes.hash(token, isWellFormed);
    if (hash === undefined) return MALFORMED;
    const local = this.cache.getLocal(keyIdOf(token), hash);
    if (local === undefined) return undefined;
    if (local === 'unknown') return UNKNOWN;
    return checkKeyRecord(
      local,
      username === undefined ? BEARER : { type: 'basic', username },
      now,
    );
  }

  /** Whether this credential is a key this process holds in memory as valid (nothing looked up). */
  heldAsValid(credential: Credential): boolean {
    const check =
      credential.kind === 'bearer' && looksLikeKey(credential.token)
        ? this.inMemory(credential.token)
        : credential.kind === 'basic' && looksLikeKey(credential.password)
          ? this.inMemory(credential.password, credential.username)
          : undefined;
    return check?.ok === true;
  }

  /** The record of a well-formed, known key, whatever its state or type (for introspection). */
  async record(token: string): Promise<KeyRecord | undefined> {
    if (token.length !== KEY_LENGTH) return undefined;
    const hash = this.hashes.hash(token, isWellFormed);
    return hash === undefined ? undefined : this.find(keyIdOf(token), hash, token);
  }

  private check(token: string, sentAs: SentAs, now: number): MaybePromise<KeyCheck> {
    // The memo remembers only well-formed keys: a key found there needs no format check again.
    // Anything of another length is refused before it is hashed, however long it is.
    if (token.length !== KEY_LENGTH) return MALFORMED;
    const hash = this.hashes.hash(token, isWellFormed);
    if (hash === undefined) return MALFORMED;
    const keyId = keyIdOf(token);
    const local = this.cache.getLocal(keyId, hash);
    if (local === 'unknown') {
      this.metrics.keyLookup('local', 'miss');
      return UNKNOWN;
    }
    if (local !== undefined) {
      this.metrics.keyLookup('local', 'hit');
      return checkKeyRecord(local, sentAs, now);
    }
    return this.findFurther(keyId, hash, token).then((record) =>
      record === undefined ? UNKNOWN : checkKeyRecord(record, sentAs, now),
    );
  }

  private async find(keyId: string, hash: string, token: string): Promise<KeyRecord | undefined> {
    const local = this.cache.getLocal(keyId, hash);
    if (local === 'unknown') return undefined;
    return local ?? this.findFurther(keyId, hash, token);
  }

  /** Past the in-process tier: the shared tier, then the database. */
  private async findFurther(
    keyId: string,
    hash: string,
    token: string,
  ): Promise<KeyRecord | undefined> {
    const { found: cached, ticket } = await this.cache.getShared(keyId, hash);
    if (cached === 'unknown') {
      this.metrics.keyLookup('shared', 'miss');
      return undefined;
    }
    if (cached !== undefined) {
      this.metrics.keyLookup('shared', 'hit');
      return cached;
    }
    const record =
      (await this.keys.findRecordByHash(hash)) ??
      (await this.storedUnderPrevious(keyId, hash, token));
    const found = record !== undefined && record.keyId === keyId;
    this.metrics.keyLookup('database', found ? 'hit' : 'miss');
    if (!found) {
      this.cache.setUnknown(hash, ticket);
      return undefined;
    }
    this.cache.set(record, ticket);
    return record;
  }

  /**
   * While the server secret is rotated: a key stored under the previous secret is found by that
   * hash and stored again under the current one, so it works once the previous secret is gone.
   */
  private async storedUnderPrevious(
    keyId: string,
    hash: string,
    token: string,
  ): Promise<KeyRecord | undefined> {
    const previousHash = this.hasher.previousHash(token);
    if (previousHash === undefined) return undefined;
    const record = await this.keys.findRecordByHash(previousHash);
    if (record === undefined || record.keyId !== keyId) return undefined;
    await this.keys.replaceHash(record.id, previousHash, hash);
    return { ...record, hash };
  }
}

import { Injectable, type OnModuleInit } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '../config/app-config.js';
import { KeyHashMemo } from '../crypto/key-hash-memo.js';
import { KeyHasher } from '../crypto/key-hasher.js';
import type { TokenFacts } from './provider-identity.js';
import { ProviderRegistry } from './provider-registry.js';

/** What was found of a token: valid (with its facts, from a JWT or a provider), or not valid. */
export type CachedAnswer = { providerId: string; facts: TokenFacts } | 'inactive';

const MAX_ENTRIES = 50_000;

/**
 * Answers about provider tokens, keyed by the HMAC of the token (never the token): an opaque token
 * costs one call to its provider per TTL, a flood of bad ones stays off the provider, and a JWT's
 * signature is checked once. A valid answer is kept for the in-process TTL and never past the token's
 * expiry; a "not valid" one for the negative TTL. Any provider change forgets everything.
 */
@Injectable()
export class ProviderTokenCache implements OnModuleInit {
  private readonly entries: LRUCache<string, CachedAnswer>;
  /** A token is sent again and again: its HMAC costs a one-shot SHA-256 after the first time. */
  private readonly hashes: KeyHashMemo;

  constructor(
    private readonly config: AppConfig,
    private readonly registry: ProviderRegistry,
    hasher: KeyHasher,
  ) {
    this.entries = new LRUCache({ max: MAX_ENTRIES, ttl: config.cache.localTtlMs });
    this.hashes = new KeyHashMemo(hasher);
  }

  /** The HMAC of a token: what its answers are cached under, and its logged fingerprint's source. */
  hashOf(token: string): string {
    return this.hashes.hash(token)!;
  }

  onModuleInit(): void {
    this.registry.onReload(() => this.entries.clear());
  }

  get(tokenHash: string): CachedAnswer | undefined {
    return this.entries.get(tokenHash);
  }

  remember(tokenHash: string, answer: CachedAnswer, now = Date.now()): void {
    if (answer === 'inactive') {
      if (this.config.cache.negativeTtlMs > 0) {
        this.entries.set(tokenHash, answer, { ttl: this.config.cache.negativeTtlMs });
      }
      return;
    }
    const untilExpiry = answer.facts.expiresAt === null ? Infinity : answer.facts.expiresAt - now;
    const ttl = Math.min(this.config.cache.localTtlMs, untilExpiry);
    if (ttl > 0) this.entries.set(tokenHash, answer, { ttl });
  }
}

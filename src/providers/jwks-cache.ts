import {
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type FlattenedJWSInput,
  type CryptoKey,
} from 'jose';
import { jsonObject, OutboundError, type OutboundHttp } from './outbound-http.js';

export interface JwksCacheOptions {
  /** Keys are read again after this long (in the background of the next use). */
  maxAgeMs: number;
  /** An unknown `kid` reads the keys again, at most this often. */
  cooldownMs: number;
}

/**
 * A provider's signing keys (JWKS), fetched through the outbound rules and kept in memory. An
 * unknown `kid` triggers one reload, at most once per cooldown, so a provider's key rotation works
 * at once while a flood of made-up kids cannot hammer the provider. When the provider cannot be
 * reached, the keys already held keep working (fail closed only for kids never seen).
 */
export class JwksCache {
  private keys: ReturnType<typeof createLocalJWKSet> | undefined;
  private fetchedAt = 0;
  /** When a fetch last started, successful or not: the cooldown counts from here. */
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private lastFailure: Error | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    readonly uri: string,
    private readonly outbound: Pick<OutboundHttp, 'get'>,
    private readonly options: JwksCacheOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** A jose key resolver: finds the key for a token's header, reloading on an unknown kid. */
  readonly getKey = async (
    header: JWSHeaderParameters,
    token: FlattenedJWSInput,
  ): Promise<CryptoKey> => {
    if (this.keys === undefined) {
      await this.reload();
    } else if (this.now() - this.fetchedAt > this.options.maxAgeMs && !this.coolingDown()) {
      void this.reload().catch(() => {});
    }
    try {
      return await this.keys!(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || this.coolingDown()) throw error;
      await this.reload();
      return this.keys!(header, token);
    }
  };

  private coolingDown(): boolean {
    return this.now() - this.attemptedAt < this.options.cooldownMs;
  }

  /** Concurrent reloads share one fetch; a failed one is not retried within the cooldown. */
  private reload(): Promise<void> {
    if (this.loading) return this.loading;
    if (this.keys === undefined && this.lastFailure && this.coolingDown()) {
      return Promise.reject(this.lastFailure);
    }
    this.attemptedAt = this.now();
    this.loading = this.fetch()
      .then(
        () => (this.lastFailure = undefined),
        (error: Error) => {
          this.lastFailure = error;
          throw error;
        },
      )
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async fetch(): Promise<void> {
    const response = await this.outbound.get(this.uri);
    if (response.status !== 200) {
      throw new OutboundError(`${this.uri} answered HTTP ${response.status}`);
    }
    const document = jsonObject(response, this.uri);
    if (!Array.isArray(document.keys)) throw new OutboundError(`${this.uri} holds no keys`);
    this.keys = createLocalJWKSet(document as unknown as JSONWebKeySet);
    this.fetchedAt = this.now();
  }
}

import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/**
 * HMAC-SHA-256 of credentials under the server secret: how keys are stored and cache entries named.
 * While the secret is being rotated, it also knows the previous one, to find what was stored under it.
 */
export class KeyHasher {
  /** Prepared once: a raw secret passed to createHmac is turned into a key object on every call. */
  private readonly key: KeyObject;
  private readonly previousKey: KeyObject | undefined;

  constructor(secret: string, previousSecret?: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
    this.previousKey =
      previousSecret === undefined
        ? undefined
        : createSecretKey(Buffer.from(previousSecret, 'utf8'));
  }

  hash(plaintext: string): string {
    return createHmac('sha256', this.key).update(plaintext).digest('hex');
  }

  /** The hash under the previous secret, while one is configured (PORTCULLIS_PREVIOUS_SECRET). */
  previousHash(plaintext: string): string | undefined {
    return (
      this.previousKey && createHmac('sha256', this.previousKey).update(plaintext).digest('hex')
    );
  }
}

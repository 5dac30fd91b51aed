import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** HMAC-SHA-256 of credentials under the server secret: how keys are stored and cache entries named. */
export class KeyHasher {
  /** Prepared once: a raw secret passed to createHmac is turned into a key object on every call. */
  private readonly key: KeyObject;

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  hash(plaintext: string): string {
    return createHmac('sha256', this.key).update(plaintext).digest('hex');
  }
}

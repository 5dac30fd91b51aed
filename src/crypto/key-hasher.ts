import { createHmac } from 'node:crypto';

/** HMAC-SHA-256 of credentials under the server secret: how keys are stored and cache entries named. */
export class KeyHasher {
  constructor(private readonly secret: string) {}

  hash(plaintext: string): string {
    return createHmac('sha256', this.secret).update(plaintext).digest('hex');
  }
}

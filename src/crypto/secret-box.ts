import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;

/**
 * Encrypts secrets Portcullis must use again (providers' client secrets) with AES-256-GCM, under a
 * key derived (HKDF-SHA-256) from the server secret, so the database alone never reveals them.
 * The associated data binds each ciphertext to its record: copied to another row, it fails.
 */
export class SecretBox {
  private readonly key: Buffer;
  /** While the server secret is rotated: texts sealed under the previous one still open. */
  private readonly previousKey: Buffer | undefined;

  constructor(serverSecret: string, previousSecret?: string) {
    this.key = deriveKey(serverSecret);
    this.previousKey = previousSecret === undefined ? undefined : deriveKey(previousSecret);
  }

  /** True when the text opens only with the previous secret's key: it should be sealed again. */
  sealedUnderPrevious(sealed: string, boundTo: string): boolean {
    if (this.previousKey === undefined) return false;
    try {
      openWith(this.key, sealed, boundTo);
      return false;
    } catch {
      openWith(this.previousKey, sealed, boundTo);
      return true;
    }
  }

  seal(plaintext: string, boundTo: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(boundTo));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, sealed, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** Throws when the text was not sealed by this key (or the previous one) for this record. */
  open(sealed: string, boundTo: string): string {
    try {
      return openWith(this.key, sealed, boundTo);
    } catch (error) {
      if (this.previousKey === undefined) throw error;
      return openWith(this.previousKey, sealed, boundTo);
    }
  }
}

function deriveKey(serverSecret: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', serverSecret, 'portcullis', 'client-secrets/aes-256-gcm', 32),
  );
}

function openWith(key: Buffer, sealed: string, boundTo: string): string {
  const [version, iv, data, tag] = sealed.split('.');
  if (version !== VERSION || !iv || data === undefined || !tag) {
    throw new Error('Not a sealed secret');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(boundTo));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([
    decipher.update(Buffer.from(data, 'base64url')),
    decipher.final(),
  ]).toString('utf8');
}

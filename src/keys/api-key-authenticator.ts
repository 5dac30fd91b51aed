import { Injectable } from '@nestjs/common';
import { KeyHasher } from '../crypto/key-hasher.js';
import type { ApiKeyType } from './api-key.entity.js';
import { ApiKeyRepository, type KeyCredentialRow } from './api-key.repository.js';
import { parseKey } from './key-format.js';

/** Who a credential speaks for. */
export interface Principal {
  userId: string;
  username: string;
  email: string | null;
  displayName: string | null;
  groups: string[];
  credential: { kind: 'api_key'; id: string; keyId: string; type: ApiKeyType };
  /** When the credential stops being valid; null for never. */
  expiresAt: Date | null;
}

/** Why a key was refused: stable codes, carried to responses and logs. */
export type KeyDenialReason =
  | 'malformed_credential'
  | 'unknown_key'
  | 'expired_key'
  | 'revoked_key'
  | 'user_disabled'
  | 'wrong_key_type'
  | 'username_mismatch';

export type KeyCheck = { ok: true; principal: Principal } | { ok: false; reason: KeyDenialReason };

/**
 * Checks a Portcullis API key: format and checksum first (no lookup for garbage), then the stored
 * hash, then the key's state and its owner's. Denials are values; only infrastructure throws.
 */
@Injectable()
export class ApiKeyAuthenticator {
  constructor(
    private readonly hasher: KeyHasher,
    private readonly keys: ApiKeyRepository,
  ) {}

  /** A key sent as `Authorization: Bearer <key>`. */
  async bearer(token: string, now = new Date()): Promise<KeyCheck> {
    const row = await this.lookup(token);
    if (!row.ok) return row;
    if (row.key.type !== 'bearer') return { ok: false, reason: 'wrong_key_type' };
    return check(row.key, now);
  }

  /** A key sent as Basic `username:key`; valid only with its owner's username. */
  async basic(username: string, token: string, now = new Date()): Promise<KeyCheck> {
    const row = await this.lookup(token);
    if (!row.ok) return row;
    if (row.key.type !== 'basic') return { ok: false, reason: 'wrong_key_type' };
    if (row.key.username.toLowerCase() !== username.toLowerCase()) {
      return { ok: false, reason: 'username_mismatch' };
    }
    return check(row.key, now);
  }

  private async lookup(
    token: string,
  ): Promise<{ ok: true; key: KeyCredentialRow } | { ok: false; reason: KeyDenialReason }> {
    const keyId = parseKey(token);
    if (keyId === undefined) return { ok: false, reason: 'malformed_credential' };
    const key = await this.keys.findCredentialByHash(this.hasher.hash(token));
    if (key === undefined || key.keyId !== keyId) return { ok: false, reason: 'unknown_key' };
    return { ok: true, key };
  }
}

function check(key: KeyCredentialRow, now: Date): KeyCheck {
  if (key.revokedAt !== null) return { ok: false, reason: 'revoked_key' };
  if (key.expiresAt !== null && key.expiresAt.getTime() <= now.getTime()) {
    return { ok: false, reason: 'expired_key' };
  }
  if (key.disabled) return { ok: false, reason: 'user_disabled' };
  return {
    ok: true,
    principal: {
      userId: key.userId,
      username: key.username,
      email: key.email,
      displayName: key.displayName,
      groups: key.groups,
      credential: { kind: 'api_key', id: key.id, keyId: key.keyId, type: key.type },
      expiresAt: key.expiresAt,
    },
  };
}

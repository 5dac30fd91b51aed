import type { DenialReason } from '../core/decision.js';
import type { Identity, KeyRoute } from '../core/identity.js';
import type { Quota } from '../core/quota.js';
import type { Rate } from '../core/rate.js';
import type { ApiKeyType } from './api-key.entity.js';

/**
 * What authentication needs to know of a key and its owner. Plain data (times in epoch ms), so
 * that it can be cached in process and in Redis alike.
 */
export interface KeyRecord {
  id: string;
  keyId: string;
  /** HMAC of the key: a cached record is only used for the key that hashes to it. */
  hash: string;
  type: ApiKeyType;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  userId: string;
  username: string;
  email: string | null;
  displayName: string | null;
  disabled: boolean;
  groups: string[];
  /** The key's own IP allowlist; empty allows any address. */
  allowedIps: string[];
  /** The key's scopes. */
  scopes: string[];
  /** Where the key may be used; empty: anywhere. */
  routes: KeyRoute[];
  /** The key's own request quota; null: none. */
  rateLimit: Rate | null;
  /** The quotas of the owner's groups that have one (each shared by all its members' keys). */
  groupRateLimits: { groupId: string; rate: Rate }[];
}

export type KeyDenialReason = Extract<
  DenialReason,
  | 'malformed_credential'
  | 'unknown_key'
  | 'expired_key'
  | 'revoked_key'
  | 'user_disabled'
  | 'wrong_key_type'
  | 'username_mismatch'
>;

export type KeyCheck = { ok: true; identity: Identity } | { ok: false; reason: KeyDenialReason };

/**
 * Whether a cached record has every field this version reads. One written by an earlier version
 * (during a rolling upgrade) lacks the key's route limits and scopes: read as a miss, it is looked
 * up again, lest a key limited to some routes be taken for one that is not.
 */
export function isCurrentRecord(record: KeyRecord): boolean {
  return Array.isArray(record.routes) && Array.isArray(record.scopes);
}

/** Whether a found key may be used, sent with this scheme (and username, for Basic), now. */
export function checkKeyRecord(
  record: KeyRecord,
  sentAs: { type: 'bearer' } | { type: 'basic'; username: string },
  now: number,
): KeyCheck {
  if (record.type !== sentAs.type) return { ok: false, reason: 'wrong_key_type' };
  if (sentAs.type === 'basic' && record.username.toLowerCase() !== sentAs.username.toLowerCase()) {
    return { ok: false, reason: 'username_mismatch' };
  }
  if (record.revokedAt !== null) return { ok: false, reason: 'revoked_key' };
  if (record.expiresAt !== null && record.expiresAt <= now)
    return { ok: false, reason: 'expired_key' };
  if (record.disabled) return { ok: false, reason: 'user_disabled' };
  let check = granted.get(record);
  if (check === undefined) {
    check = { ok: true, identity: identityOf(record) };
    if (seenOnce.has(record)) granted.set(record, check);
    else seenOnce.add(record);
  }
  return check;
}

/**
 * The granted check of each record, made once: a cached record yields the same identity object
 * on every request, so what is derived from it (the upstream headers) can be kept with it. The
 * state checks above still run every time. Kept as long as the record itself is.
 */
const granted = new WeakMap<KeyRecord, KeyCheck>();
/**
 * Records used once so far. Their check is kept only from the second use: a key seen once may not
 * come again (a sweep through many keys), and what hangs off a kept identity (its headers, its log
 * fields) would stay in memory as long as the record, for nothing.
 */
const seenOnce = new WeakSet<KeyRecord>();

/** The quotas every request with this key takes from: its own, and its owner's groups'. */
function quotasOf(record: KeyRecord): readonly Quota[] {
  // Records cached in Redis by a version before quotas lack the fields.
  const quotas: Quota[] = (record.groupRateLimits ?? []).map(({ groupId, rate }) => ({
    subject: `group:${groupId}`,
    rate,
  }));
  if (record.rateLimit) quotas.unshift({ subject: `key:${record.id}`, rate: record.rateLimit });
  return quotas;
}

function identityOf(record: KeyRecord): Identity {
  return {
    userId: record.userId,
    username: record.username,
    email: record.email,
    displayName: record.displayName,
    groups: record.groups,
    credential: {
      kind: 'api_key',
      id: record.id,
      keyId: record.keyId,
      type: record.type,
      // Records cached in Redis by a version before per-key allowlists lack the field.
      allowedIps: record.allowedIps ?? [],
      routes: record.routes,
      quotas: quotasOf(record),
    },
    scopes: record.scopes,
    expiresAt: record.expiresAt,
    issuedAt: record.createdAt,
  };
}

import type { Identity } from './identity.js';

/** Stable reason codes: carried to responses (X-Auth-Reason), logs and metrics. */
export type DenialReason =
  | 'missing_credential'
  | 'malformed_credential'
  | 'unknown_credential'
  | 'password_basic_disabled'
  | 'unknown_key'
  | 'expired_key'
  | 'revoked_key'
  | 'wrong_key_type'
  | 'username_mismatch'
  | 'user_disabled'
  | 'invalid_token'
  | 'expired_token'
  | 'unknown_user'
  | 'ip_denied'
  | 'group_denied'
  | 'read_only'
  /** A `deny` rule matched, or the default rule denies what no rule matched. */
  | 'rule_denied'
  /** The key is limited to some routes, and this request is on none of them. */
  | 'route_denied'
  /** The rule needs scopes the key or token does not carry (RFC 6750 §3.1). */
  | 'insufficient_scope'
  /** The rule's claim conditions do not hold for the provider token (or the caller has none). */
  | 'claim_denied'
  /** The path cannot be read (bad percent-encoding, controls), and the rule that applies to it
   * would depend on what it says. */
  | 'invalid_path'
  /** The proxy named a rule set that no rule belongs to (a typo, or its last rule deleted). */
  | 'unknown_rule_set'
  | 'unavailable'
  /** The proxy's auth call names two different requests (client-sent headers disagree with the proxy's). */
  | 'ambiguous_request'
  /** The proxy's auth call does not name the original request's URI and method. */
  | 'incomplete_request'
  /** The request's host is not plainly a host name (percent-encoded, userinfo, a list, ...). */
  | 'invalid_host'
  /** Too many failed credential attempts from this client address, or with this key id. */
  | 'rate_limited'
  /** The key's or a group's request quota is used up for now. */
  | 'quota_exceeded';

/**
 * `upstream_auth`: a Basic password that is not a Portcullis key, passed on for the upstream to
 * check (only while the disablePasswordBasicAuth setting is off).
 */
export type AllowReason =
  'authenticated' | 'anonymous' | 'bypass' | 'service_disabled' | 'upstream_auth';

/** The policy's answer; `rule` names the rule that decided, when one did. */
export type Verdict =
  | { allowed: true; reason: AllowReason; rule?: string }
  | {
      allowed: false;
      reason: DenialReason;
      rule?: string;
      /** For insufficient_scope: the scopes the rule needs. */
      scopes?: readonly string[];
    };

/** The answer to "may this request through, and as whom?". */
export interface Decision {
  allowed: boolean;
  /**
   * 200 allow, 401 no valid credential, 403 refused by policy, 429 over a rate limit or quota,
   * 503 could not decide.
   */
  status: 200 | 401 | 403 | 429 | 503;
  reason: AllowReason | DenialReason;
  /** Null for anonymous, bypassed and refused requests. */
  identity: Identity | null;
  /** Which verifier identified (or refused) the credential. */
  verifier: string | null;
  /** The name of the rule that decided (`default` for the default rule), when one did. */
  rule: string | null;
  /** The authentication scheme to challenge with on 401. */
  /** 'invalid_request': the Authorization header itself broke its scheme's syntax. */
  challenge: 'bearer' | 'basic' | 'any' | 'invalid_request' | null;
  /** On 429: seconds until a new attempt may succeed (Retry-After); null otherwise. */
  retryAfter: number | null;
  /** On 403 insufficient_scope: the scopes the rule needs (RFC 6750 §3.1's `scope`). */
  requiredScopes?: readonly string[];
}

const STATUS_BY_DENIAL: Record<DenialReason, 401 | 403 | 429 | 503> = {
  missing_credential: 401,
  malformed_credential: 401,
  unknown_credential: 401,
  password_basic_disabled: 401,
  unknown_key: 401,
  expired_key: 401,
  revoked_key: 401,
  wrong_key_type: 401,
  username_mismatch: 401,
  user_disabled: 403,
  invalid_token: 401,
  expired_token: 401,
  unknown_user: 401,
  ip_denied: 403,
  group_denied: 403,
  read_only: 403,
  rule_denied: 403,
  route_denied: 403,
  insufficient_scope: 403,
  claim_denied: 403,
  invalid_path: 403,
  unknown_rule_set: 403,
  unavailable: 503,
  ambiguous_request: 403,
  incomplete_request: 403,
  invalid_host: 403,
  rate_limited: 429,
  quota_exceeded: 429,
};

/** Every denial reason (docs/decisions.md lists them; a test holds the two together). */
export const DENIAL_REASONS = Object.keys(STATUS_BY_DENIAL) as DenialReason[];

export function statusFor(reason: DenialReason): 401 | 403 | 429 | 503 {
  return STATUS_BY_DENIAL[reason];
}

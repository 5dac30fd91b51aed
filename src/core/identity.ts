import type { Quota } from './quota.js';

/**
 * Where a key may be used: requests whose method is one of `methods` (empty: any) and whose path
 * matches one of `paths` (path patterns, matched as public rules match: case-sensitively, and
 * never a path that needed normalising).
 */
export interface KeyRoute {
  methods: readonly string[];
  paths: readonly string[];
}

/** The credential a request was identified by. */
export interface CredentialRef {
  kind: 'api_key' | 'provider_token';
  /** Database id of the key, or of the provider that issued the token. */
  id: string;
  /** Public id, as shown in lists, logs and X-Auth-Credential: the key id, or `tok_` and a
   * fingerprint of the token (never the token). */
  keyId: string;
  type: 'bearer' | 'basic';
  /** Client addresses and ranges the credential may be used from; empty allows any. */
  allowedIps: readonly string[];
  /** Where a key may be used; absent or empty: wherever its owner may. */
  routes?: readonly KeyRoute[];
  /** Request quotas each allowed request takes from (a key's own, its owner's groups'); none
   * when absent. */
  quotas?: readonly Quota[];
}

/** Who a request speaks for: a local user and the credential that proved it. */
export interface Identity {
  userId: string;
  username: string;
  email: string | null;
  displayName: string | null;
  groups: string[];
  credential: CredentialRef;
  /** When the credential stops being valid (epoch ms); null for never. */
  expiresAt: number | null;
  /** When the credential was issued (epoch ms), for introspection's `iat`. */
  issuedAt: number;
  /** The scopes the credential carries (a key's own, or the token's); absent: none. */
  scopes?: readonly string[];
  /** For a provider token: what the provider said of it, for introspection and claim rules. */
  token?: {
    issuer: string | null;
    subject?: string;
    scope?: string;
    clientId?: string;
    /** The token's claims (JWT payload, or the introspection or userinfo answer). */
    claims?: Readonly<Record<string, unknown>>;
  };
}

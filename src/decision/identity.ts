/** The credential a request was identified by. */
export interface CredentialRef {
  kind: 'api_key';
  /** Database id of the key. */
  id: string;
  /** Public key id, as shown in lists and logs. */
  keyId: string;
  type: 'bearer' | 'basic';
  /** Client addresses and ranges the credential may be used from; empty allows any. */
  allowedIps: readonly string[];
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
}

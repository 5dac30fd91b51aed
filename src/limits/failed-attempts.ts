import type { Credential } from '../core/credential.js';
import type { Decision } from '../core/decision.js';
import { looksLikeKey, parseKey } from '../keys/key-format.js';

/**
 * The key id of a presented Portcullis key (well-formed, checksum right), whatever its secret:
 * failures are counted against it too, so that guessing one key's secret from many addresses is
 * limited as well. Undefined for anything else.
 */
export function presentedKeyId(credential: Credential): string | undefined {
  const token =
    credential.kind === 'bearer'
      ? credential.token
      : credential.kind === 'basic'
        ? credential.password
        : undefined;
  return token !== undefined && looksLikeKey(token) ? parseKey(token) : undefined;
}

/**
 * A failed credential attempt: a credential was presented and did not prove anyone (401). A
 * request without one is not an attempt, and a refusal by policy (403) is not a failure to
 * authenticate.
 */
export function isFailedAttempt(decision: Decision): boolean {
  return decision.status === 401 && decision.reason !== 'missing_credential';
}

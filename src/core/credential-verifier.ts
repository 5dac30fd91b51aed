import type { Credential } from './credential.js';
import type { DenialReason } from './decision.js';
import type { DecisionRequest } from './decision-request.js';
import type { Identity } from './identity.js';
import type { MaybePromise } from './maybe-promise.js';

/** A verifier's answer: the credential is not its kind, proves an identity, or is refused. */
export type Verification =
  | { outcome: 'not_mine' }
  | { outcome: 'anonymous' }
  /** Not checked here: left to the upstream's own authentication (and so carries no identity). */
  | { outcome: 'upstream_auth' }
  | { outcome: 'identified'; identity: Identity }
  | { outcome: 'refused'; reason: DenialReason };

export const NOT_MINE: Verification = { outcome: 'not_mine' };

/**
 * One way of checking a credential (API key, JWT, introspection, ...). Verifiers are tried in order;
 * one that cannot handle a credential says "not mine" and the next is asked. Denials are values;
 * a verifier throws only when infrastructure fails, and then the request is refused (fail closed).
 */
export interface CredentialVerifier {
  /** Named in decision logs. */
  readonly name: string;
  /**
   * Synchronous when the answer is in memory (a cached key), a promise when it needs I/O. Either
   * way, a throw or a rejection means "could not decide".
   */
  verify(credential: Credential, request: DecisionRequest): MaybePromise<Verification>;
}

/** The ordered verifiers, as a DI token. */
export const CREDENTIAL_VERIFIERS = Symbol('CREDENTIAL_VERIFIERS');

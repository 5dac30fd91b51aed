import type { DecisionRequest } from '../decision-request.js';
import type { Verdict } from '../decision.js';
import type { Identity } from '../identity.js';

/**
 * The policy stage: given the request and who it is (null: anonymous), allow or deny with a reason.
 * Evaluated per request from in-memory state, so path-dependent answers are never cached.
 */
export abstract class PolicyEvaluator {
  /** Before any credential is looked at (service switched off, bypass paths). */
  abstract beforeCredential(request: DecisionRequest): Verdict | undefined;
  abstract evaluate(request: DecisionRequest, identity: Identity | null): Verdict;
}

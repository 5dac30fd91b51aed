import type { DecisionRequest } from './decision-request.js';
import type { Verdict } from './decision.js';
import type { Identity } from './identity.js';

/**
 * Who the verifiers found the caller to be: a proven identity, nobody (no credential), or someone
 * whose Basic password is left to the upstream to check.
 */
export type Caller =
  { kind: 'identified'; identity: Identity } | { kind: 'anonymous' } | { kind: 'upstream_auth' };

/** One line of an explanation (`explain` in POST /v1/decisions): what was looked at, and what
 * came of it. Never a secret. */
export interface TraceStep {
  step: 'rule set' | 'rule' | 'credential' | 'requirement';
  /** The rule set's name, the rule's, the verifier's, or the requirement checked. */
  name: string;
  result: 'matched' | 'not matched' | 'passed' | 'failed' | 'not reached';
  detail: string;
}

/**
 * The policy stage: given the request and its caller, allow or deny with a reason.
 * Evaluated per request from in-memory state, so path-dependent answers are never cached.
 */
export abstract class PolicyEvaluator {
  /** Before any credential is looked at (service switched off, bypass paths). */
  abstract beforeCredential(request: DecisionRequest): Verdict | undefined;
  abstract evaluate(request: DecisionRequest, caller: Caller): Verdict;
  /** Why the policy decides as it does; `caller` undefined when the credential was refused. */
  explain(request: DecisionRequest, caller: Caller | undefined): TraceStep[] {
    void request;
    void caller;
    return [];
  }
}

import type { DecisionRequest } from '../../core/decision-request.js';
import type { Verdict } from '../../core/decision.js';
import type { Identity } from '../../core/identity.js';
import type { Caller } from '../../core/policy-evaluator.js';
import { routesAllow } from './key-routes.js';
import { callerShortfall, ipShortfall } from './requirements.js';
import type { CompiledRule, MatchResult, RuleMatcher } from './rule-matcher.js';

/** Whether a credential's own IP allowlist admits the client. */
export type CredentialIpCheck = (identity: Identity, clientIp: string) => boolean;

/**
 * Decides a request by the rule that matches it first. Rules that need no credential (bypass,
 * deny, a path too garbled to choose a rule by) decide before any credential is looked at; the
 * others once the verifiers have found the caller. Their checks run in this order, the first
 * refusal winning: a credential at all (anonymous callers pass only public rules), client IP
 * (the rule's ranges, then the credential's own), the key's own routes, groups, read-only,
 * scopes, claims.
 */
export class RuleDecider {
  /** The match found before the credential, reused once the caller is known: one per request. */
  private readonly matched = new WeakMap<DecisionRequest, MatchResult>();

  constructor(readonly matcher: RuleMatcher) {}

  beforeCredential(request: DecisionRequest): Verdict | undefined {
    const match = this.matcher.firstMatch(request);
    this.matched.set(request, match);
    if (match.kind === 'unreadable_path') {
      return { allowed: false, reason: 'invalid_path', rule: match.rule.name };
    }
    return uncredentialed(match.rule);
  }

  evaluate(
    request: DecisionRequest,
    caller: Caller,
    credentialIpAllows: CredentialIpCheck,
  ): Verdict {
    const match = this.matcher.firstMatch(request);
    if (match.kind === 'unreadable_path') {
      return { allowed: false, reason: 'invalid_path', rule: match.rule.name };
    }
    const rule = match.rule;
    const early = uncredentialed(rule);
    if (early !== undefined) return early;
    if (caller.kind === 'anonymous' && rule.effect !== 'public') {
      return { allowed: false, reason: 'missing_credential', rule: rule.name };
    }
    const identity = caller.kind === 'identified' ? caller.identity : null;
    const denied = (reason: Verdict['reason']) =>
      ({ allowed: false, reason, rule: rule.name }) as Verdict;

    if (ipShortfall(rule.require, request.clientIp)) return denied('ip_denied');
    if (identity !== null && !credentialIpAllows(identity, request.clientIp)) {
      return { allowed: false, reason: 'ip_denied' };
    }
    if (identity !== null && !routesAllow(identity, request)) {
      return { allowed: false, reason: 'route_denied' };
    }
    if (caller.kind === 'anonymous') return { allowed: true, reason: 'anonymous', rule: rule.name };
    const shortfall = callerShortfall(rule.require, identity, request.method);
    if (shortfall !== undefined) {
      return shortfall.scopes === undefined
        ? denied(shortfall.reason)
        : { allowed: false, reason: shortfall.reason, rule: rule.name, scopes: shortfall.scopes };
    }
    return {
      allowed: true,
      reason: identity === null ? 'upstream_auth' : 'authenticated',
      rule: rule.name,
    };
  }
}

/** The verdict of a rule that needs no credential to decide: bypass or deny. */
function uncredentialed(rule: CompiledRule): Verdict | undefined {
  if (rule.effect === 'bypass') return { allowed: true, reason: 'bypass', rule: rule.name };
  if (rule.effect === 'deny') return { allowed: false, reason: 'rule_denied', rule: rule.name };
  return undefined;
}

import type { DecisionRequest } from '../../core/decision-request.js';
import type { Verdict } from '../../core/decision.js';
import type { Identity } from '../../core/identity.js';
import type { Caller } from '../../core/policy-evaluator.js';
import { routesAllow } from './key-routes.js';
import { callerShortfall, ipShortfall } from './requirements.js';
import type { RuleBook } from './rule-book.js';
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
  constructor(readonly book: RuleBook) {}

  beforeCredential(request: DecisionRequest): Verdict | undefined {
    const matcher = this.book.matcherFor(request);
    if (matcher === undefined) return UNKNOWN_RULE_SET;
    const match = matcher.firstMatch(request);
    request.policyMemo = match;
    if (match.kind === 'unreadable_path') return match.rule.verdict('invalid_path');
    return uncredentialed(match.rule);
  }

  evaluate(
    request: DecisionRequest,
    caller: Caller,
    credentialIpAllows: CredentialIpCheck,
  ): Verdict {
    const matcher = this.book.matcherFor(request);
    if (matcher === undefined) return UNKNOWN_RULE_SET;
    const match = this.remembered(request, matcher) ?? matcher.firstMatch(request);
    if (match.kind === 'unreadable_path') return match.rule.verdict('invalid_path');
    const rule = match.rule;
    const early = uncredentialed(rule);
    if (early !== undefined) return early;
    if (caller.kind === 'anonymous' && rule.effect !== 'public') {
      return rule.verdict('missing_credential');
    }
    const identity = caller.kind === 'identified' ? caller.identity : null;

    if (ipShortfall(rule.require, request.clientIp)) return rule.verdict('ip_denied');
    if (identity !== null && !credentialIpAllows(identity, request.clientIp)) return IP_DENIED;
    if (identity !== null && !routesAllow(identity, request)) return ROUTE_DENIED;
    if (caller.kind === 'anonymous') return rule.verdict('anonymous');
    const shortfall = callerShortfall(rule.require, identity, request.method);
    if (shortfall !== undefined) {
      return shortfall.scopes === undefined
        ? rule.verdict(shortfall.reason)
        : { allowed: false, reason: shortfall.reason, rule: rule.name, scopes: shortfall.scopes };
    }
    return rule.verdict(identity === null ? 'upstream_auth' : 'authenticated');
  }

  /** The match beforeCredential found, if it came from these rules (they may have changed since). */
  private remembered(request: DecisionRequest, matcher: RuleMatcher): MatchResult | undefined {
    const memo = request.policyMemo as MatchResult | undefined;
    if (memo === undefined) return undefined;
    const rule = memo.rule;
    const ours = matcher.rules[rule.position] === rule || matcher.defaultRule === rule;
    return ours ? memo : undefined;
  }
}

/** Refusals by the credential's own limits, which no rule decides. */
const IP_DENIED: Verdict = { allowed: false, reason: 'ip_denied' };
const ROUTE_DENIED: Verdict = { allowed: false, reason: 'route_denied' };
const UNKNOWN_RULE_SET: Verdict = { allowed: false, reason: 'unknown_rule_set' };

/** The verdict of a rule that needs no credential to decide: bypass or deny. */
function uncredentialed(rule: CompiledRule): Verdict | undefined {
  if (rule.effect === 'bypass') return rule.verdict('bypass');
  if (rule.effect === 'deny') return rule.verdict('rule_denied');
  return undefined;
}

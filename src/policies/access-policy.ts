import { Injectable } from '@nestjs/common';
import { IpRanges } from '../core/client-ip.js';
import type { DecisionRequest } from '../core/decision-request.js';
import type { Verdict } from '../core/decision.js';
import type { Identity } from '../core/identity.js';
import { PolicyEvaluator, type Caller } from '../core/policy-evaluator.js';
import { SettingsService } from '../settings/settings.service.js';
import { PolicyRulesService } from './policy-rules.service.js';
import type { CompiledAccessRule } from './rule-book.js';

const SERVICE_DISABLED: Verdict = { allowed: true, reason: 'service_disabled' };
const AUTHENTICATED: Verdict = { allowed: true, reason: 'authenticated' };
const UPSTREAM_AUTH: Verdict = { allowed: true, reason: 'upstream_auth' };
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_COMPILED_KEY_ALLOWLISTS = 1000;

/**
 * The access policy, evaluated per request from memory (settings snapshot and rule book), in this
 * order, the first refusal winning:
 *   1. service switched off: everything passes, unchecked;
 *   2. bypass path: passes unchecked, for the upstream's own authentication;
 *   3. credential (checked by the verifiers before `evaluate`), or none on a public path;
 *   4. client IP: every applicable access rule's allowedIps, and the key's own;
 *   5. allowed groups: the caller is in one of every applicable rule's allowedGroups;
 *   6. read-only: a member of a rule's readOnlyGroups, in none of its fullAccessGroups, may only
 *      use GET, HEAD and OPTIONS.
 * Anonymous callers on public paths pass 4 and skip 5 and 6 (they have no groups; the upstream
 * serves them as anonymous). Basic passwords left to the upstream pass 4, and are refused by 5
 * (their groups are unknown); 6 cannot apply to them.
 */
@Injectable()
export class AccessPolicy extends PolicyEvaluator {
  /** Keys' own allowlists, compiled once per distinct list. */
  private readonly keyAllowlists = new Map<string, IpRanges>();

  constructor(
    private readonly settings: SettingsService,
    private readonly rules: PolicyRulesService,
  ) {
    super();
  }

  beforeCredential(request: DecisionRequest): Verdict | undefined {
    if (!this.settings.current().enabled) return SERVICE_DISABLED;
    const bypass = this.rules.current().bypassRule(request);
    return bypass === undefined ? undefined : { allowed: true, reason: 'bypass', rule: bypass };
  }

  evaluate(request: DecisionRequest, caller: Caller): Verdict {
    const book = this.rules.current();
    let publicRule: string | undefined;
    if (caller.kind === 'anonymous') {
      const access = book.pathAccess(request);
      if (access.access === 'protected') {
        return { allowed: false, reason: 'missing_credential', ...ruleOf(access.ruleId) };
      }
      publicRule = access.ruleId;
    }
    const identity = caller.kind === 'identified' ? caller.identity : null;
    const rules = book.accessRules(request);

    const ipRule = rules.find((rule) => rule.allowedIps?.has(request.clientIp) === false);
    if (ipRule) return { allowed: false, reason: 'ip_denied', rule: ipRule.id };
    if (identity !== null && !this.keyAllows(identity, request.clientIp)) {
      return { allowed: false, reason: 'ip_denied' };
    }
    if (publicRule !== undefined) return { allowed: true, reason: 'anonymous', rule: publicRule };

    const groups = identity === null ? EMPTY : lowerCased(identity.groups);
    const groupRule = rules.find(
      (rule) => rule.allowedGroups !== null && !someIn(groups, rule.allowedGroups),
    );
    if (groupRule) return { allowed: false, reason: 'group_denied', rule: groupRule.id };
    if (identity === null) return UPSTREAM_AUTH;

    if (!SAFE_METHODS.has(request.method)) {
      const readOnlyRule = rules.find((rule) => readOnlyFor(rule, groups));
      if (readOnlyRule) return { allowed: false, reason: 'read_only', rule: readOnlyRule.id };
    }
    return AUTHENTICATED;
  }

  private keyAllows(identity: Identity, clientIp: string): boolean {
    const list = identity.credential.allowedIps;
    if (list.length === 0) return true;
    const key = list.join(',');
    let ranges = this.keyAllowlists.get(key);
    if (ranges === undefined) {
      if (this.keyAllowlists.size >= MAX_COMPILED_KEY_ALLOWLISTS) this.keyAllowlists.clear();
      ranges = new IpRanges(list);
      this.keyAllowlists.set(key, ranges);
    }
    return ranges.has(clientIp);
  }
}

const EMPTY: readonly string[] = [];

function ruleOf(id: string | null): { rule?: string } {
  return id === null ? {} : { rule: id };
}

function lowerCased(names: readonly string[]): readonly string[] {
  return names.map((name) => name.toLowerCase());
}

function someIn(names: readonly string[], set: ReadonlySet<string>): boolean {
  return names.some((name) => set.has(name));
}

function readOnlyFor(rule: CompiledAccessRule, groups: readonly string[]): boolean {
  return (
    rule.readOnlyGroups !== null &&
    someIn(groups, rule.readOnlyGroups) &&
    !someIn(groups, rule.fullAccessGroups)
  );
}

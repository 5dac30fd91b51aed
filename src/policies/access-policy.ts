import { Injectable } from '@nestjs/common';
import { IpRanges } from '../core/client-ip.js';
import type { DecisionRequest } from '../core/decision-request.js';
import type { Verdict } from '../core/decision.js';
import type { Identity } from '../core/identity.js';
import { PolicyEvaluator, type Caller, type TraceStep } from '../core/policy-evaluator.js';
import { SettingsService } from '../settings/settings.service.js';
import { explainRuleBook } from './rules/rule-explainer.js';
import { RulesService } from './rules/rules.service.js';

const SERVICE_DISABLED: Verdict = { allowed: true, reason: 'service_disabled' };
const MAX_COMPILED_KEY_ALLOWLISTS = 1000;

/**
 * The access policy, evaluated per request from memory (settings snapshot and compiled rules):
 *   1. service switched off: everything passes, unchecked;
 *   2. the first rule that matches the request decides (rules/rule-decider.ts): bypass and deny
 *      before any credential is looked at, public and authenticated once the verifiers have found
 *      the caller, with the credential's own IP allowlist checked beside the rule's ranges.
 */
@Injectable()
export class AccessPolicy extends PolicyEvaluator {
  /** Keys' own allowlists, compiled once per distinct list. */
  private readonly keyAllowlists = new Map<string, IpRanges>();
  private readonly credentialIpAllows = (identity: Identity, clientIp: string) =>
    this.keyAllows(identity, clientIp);

  constructor(
    private readonly settings: SettingsService,
    private readonly rules: RulesService,
  ) {
    super();
  }

  beforeCredential(request: DecisionRequest): Verdict | undefined {
    if (!this.settings.current().enabled) return SERVICE_DISABLED;
    return this.rules.current().beforeCredential(request);
  }

  evaluate(request: DecisionRequest, caller: Caller): Verdict {
    return this.rules.current().evaluate(request, caller, this.credentialIpAllows);
  }

  override explain(request: DecisionRequest, caller: Caller | undefined): TraceStep[] {
    if (!this.settings.current().enabled) {
      return [
        {
          step: 'rule',
          name: 'service switched off',
          result: 'matched',
          detail: 'the service is switched off (enabled: false): everything passes unchecked',
        },
      ];
    }
    return explainRuleBook(this.rules.current().book, request, caller);
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

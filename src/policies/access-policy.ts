import { Injectable } from '@nestjs/common';
import type { DecisionRequest } from '../decision/decision-request.js';
import type { Verdict } from '../decision/decision.js';
import type { Identity } from '../decision/identity.js';
import { PolicyEvaluator } from '../decision/policy/policy-evaluator.js';
import { SettingsService } from '../settings/settings.service.js';

const SERVICE_DISABLED: Verdict = { allowed: true, reason: 'service_disabled' };
const AUTHENTICATED: Verdict = { allowed: true, reason: 'authenticated' };
const MISSING: Verdict = { allowed: false, reason: 'missing_credential' };

/**
 * The access policy, evaluated per request from the in-memory settings snapshot. So far: the
 * global on/off switch (off: everything passes, unchecked), then any identified caller is allowed
 * and an anonymous one is not.
 */
@Injectable()
export class AccessPolicy extends PolicyEvaluator {
  constructor(private readonly settings: SettingsService) {
    super();
  }

  beforeCredential(): Verdict | undefined {
    return this.settings.current().enabled ? undefined : SERVICE_DISABLED;
  }

  evaluate(_request: DecisionRequest, identity: Identity | null): Verdict {
    return identity === null ? MISSING : AUTHENTICATED;
  }
}

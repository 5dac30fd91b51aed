import { ApiKeyAuthenticator } from '../keys/api-key-authenticator.js';
import { Inject, Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { KeyUsageRecorder } from '../keys/key-usage-recorder.js';
import {
  FailedAttemptLimiter,
  whenLimited,
  type Limited,
} from '../limits/failed-attempt-limiter.js';
import { isFailedAttempt, presentedKeyId } from '../limits/failed-attempts.js';
import { QuotaBuckets } from '../limits/quota-buckets.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import { extractCredential, type Credential } from '../core/credential.js';
import { DecisionLog } from './decision-log.js';
import { isPromise, type MaybePromise } from '../core/maybe-promise.js';
import type { DecisionRequest } from '../core/decision-request.js';
import { statusFor, type Decision, type DenialReason, type Verdict } from '../core/decision.js';
import type { Identity } from '../core/identity.js';
import { PolicyEvaluator, type Caller, type TraceStep } from '../core/policy-evaluator.js';
import {
  CREDENTIAL_VERIFIERS,
  NOT_MINE,
  type CredentialVerifier,
  type Verification,
} from '../core/credential-verifier.js';

/**
 * The path every protected request takes: request -> credential -> identity (the first verifier
 * that claims the credential) -> policy -> Decision. Every interface (nginx, Envoy HTTP and gRPC,
 * the JSON API) is a thin adapter around `decide`. Infrastructure failures become a 503 decision,
 * never an allow.
 */
@Injectable()
export class DecisionPipeline {
  constructor(
    @Inject(CREDENTIAL_VERIFIERS) private readonly verifiers: CredentialVerifier[],
    private readonly policy: PolicyEvaluator,
    private readonly usage: KeyUsageRecorder,
    private readonly log: DecisionLog,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly attempts: FailedAttemptLimiter,
    private readonly quotas: QuotaBuckets,
    private readonly keys: ApiKeyAuthenticator,
  ) {}

  /**
   * Decides at once when every stage could (the usual case: a key in the in-process cache), else
   * returns a promise. The two paths give the same decisions, log lines and failures.
   */
  decide(request: DecisionRequest): MaybePromise<Decision> {
    const started = performance.now();
    const decision = this.run(request);
    if (isPromise(decision)) {
      return decision.then((settled) => this.logged(request, settled, started));
    }
    return this.logged(request, decision, started);
  }

  /**
   * Decides as `decide` does, and says why, step by step: the rules considered, the verifier that
   * claimed the credential, and the requirements checked (POST /v1/decisions with explain).
   */
  async explain(request: DecisionRequest): Promise<{ decision: Decision; trace: TraceStep[] }> {
    const started = performance.now();
    const found: Found = {};
    const decision = this.logged(request, await this.run(request, found), started);
    if (request.refusal !== null) {
      const { reason, detail } = request.refusal;
      return { decision, trace: [{ step: 'credential', name: reason, result: 'failed', detail }] };
    }
    const policy = this.policy.explain(request, found.caller);
    const credential = credentialStep(found, decision);
    const at = policy.findIndex((step) => step.step === 'requirement');
    const trace =
      credential === undefined
        ? policy
        : at < 0
          ? [...policy, credential]
          : [...policy.slice(0, at), credential, ...policy.slice(at)];
    return { decision, trace };
  }

  private logged(request: DecisionRequest, decision: Decision, started: number): Decision {
    const latencyMs = performance.now() - started;
    this.log.record(request, decision, latencyMs);
    this.metrics.decided(request.interface, decision, latencyMs);
    return decision;
  }

  private run(request: DecisionRequest, found?: Found): MaybePromise<Decision> {
    // A request the proxy did not describe unambiguously is never decided (not even switched off).
    if (request.refusal !== null) return deny(request.refusal.reason, null, null);
    const early = this.policy.beforeCredential(request);
    if (early !== undefined) return fromVerdict(early, null, null, null);

    const credential = extractCredential(request.authorization);
    if (credential.kind === 'malformed') {
      return this.counted(
        request,
        credential,
        deny(
          'malformed_credential',
          null,
          credential.scheme === 'basic' ? 'basic' : 'invalid_request',
        ),
      );
    }
    // A key over a limit is refused before any verifier looks it up (see beforeLookup), unless
    // this instance holds it as valid: a made-up key id never reaches the database.
    const keyId = this.attempts.anyLimited() ? presentedKeyId(credential) : undefined;
    if (keyId !== undefined) {
      const limited = this.attempts.beforeLookup(request.clientIp, keyId);
      if (limited !== undefined && !this.keys.heldAsValid(credential)) {
        return rateLimited(null, limited);
      }
    }
    return this.verifyFrom(0, credential, request, found);
  }

  /**
   * A failed attempt is counted against the client address and the presented key id; one over
   * the limit is refused as rate_limited (429) instead. Successes never come here.
   */
  private counted(
    request: DecisionRequest,
    credential: Credential,
    decision: Decision,
  ): MaybePromise<Decision> {
    if (!isFailedAttempt(decision)) return decision;
    return whenLimited(
      this.attempts.failed(request.clientIp, presentedKeyId(credential)),
      (limited) => (limited === undefined ? decision : rateLimited(decision.verifier, limited)),
    );
  }

  /**
   * Asks the verifiers in order, from `first`, until one claims the credential. A verifier that
   * throws or rejects could not decide: the request is refused as `unavailable` (fail closed).
   */
  private verifyFrom(
    first: number,
    credential: Credential,
    request: DecisionRequest,
    found?: Found,
  ): MaybePromise<Decision> {
    for (let i = first; i < this.verifiers.length; i++) {
      const verifier = this.verifiers[i]!;
      let verification: MaybePromise<Verification>;
      try {
        verification = verifier.verify(credential, request);
      } catch (error) {
        return this.unavailable(error, verifier.name);
      }
      if (isPromise(verification)) {
        // While the address or key id is over its limit, a credential that needs a lookup is
        // refused at once (the lookup runs on, filling the caches, but is not waited for), unless
        // only the address is and the credential names a key that exists: see beforeLookup.
        const limited = this.attempts.beforeLookup(request.clientIp, presentedKeyId(credential));
        if (limited !== undefined) {
          verification.then(undefined, () => undefined);
          return rateLimited(verifier.name, limited);
        }
        return verification.then(
          (settled) =>
            settled.outcome === 'not_mine'
              ? this.verifyFrom(i + 1, credential, request, found)
              : this.conclude(request, credential, settled, verifier.name, found),
          (error: unknown) => this.unavailable(error, verifier.name),
        );
      }
      if (verification.outcome !== 'not_mine') {
        return this.conclude(request, credential, verification, verifier.name, found);
      }
    }
    return this.conclude(request, credential, NOT_MINE, null, found);
  }

  private unavailable(error: unknown, verifier: string): Decision {
    this.logger.error(
      { err: (error as Error | undefined)?.message, verifier },
      'Could not verify a credential',
    );
    return deny('unavailable', verifier, null);
  }

  /** From the verifiers' answer to the decision: the policy has the last word. */
  private conclude(
    request: DecisionRequest,
    credential: Credential,
    verification: Verification,
    verifier: string | null,
    found?: Found,
  ): MaybePromise<Decision> {
    const challenge = challengeFor(credential);
    let caller: Caller;
    switch (verification.outcome) {
      case 'not_mine':
        return this.counted(request, credential, deny('unknown_credential', null, challenge));
      case 'refused':
        return this.counted(request, credential, deny(verification.reason, verifier, challenge));
      case 'identified':
        caller = { kind: 'identified', identity: verification.identity };
        if (verification.identity.credential.kind === 'api_key') {
          this.usage.record(verification.identity.credential.id);
        }
        break;
      case 'anonymous':
      case 'upstream_auth':
        caller = { kind: verification.outcome };
        break;
    }
    if (found !== undefined) found.caller = caller;
    const identity = caller.kind === 'identified' ? caller.identity : null;
    const verdict = this.policy.evaluate(request, caller);
    // Quotas count requests that would pass; taken from in-process buckets (no round trip).
    const quotas = identity?.credential.quotas;
    if (verdict.allowed && quotas !== undefined && quotas.length > 0) {
      const waitMs = this.quotas.take(quotas);
      if (waitMs > 0) {
        return { ...deny('quota_exceeded', verifier, null), retryAfter: Math.ceil(waitMs / 1000) };
      }
    }
    return fromVerdict(verdict, identity, verifier, challenge);
  }
}

/** Reasons given before any credential is looked at. */
const DECIDED_BEFORE_CREDENTIAL = new Set<string>([
  'service_disabled',
  'bypass',
  'rule_denied',
  'invalid_path',
  'unknown_rule_set',
]);

/** Who the verifiers found, recorded for an explained decision. */
interface Found {
  caller?: Caller;
}

/** The credential's part of an explanation; none when no credential was looked at. */
function credentialStep(found: Found, decision: Decision): TraceStep | undefined {
  const caller = found.caller;
  if (caller === undefined) {
    if (DECIDED_BEFORE_CREDENTIAL.has(decision.reason)) return undefined;
    return {
      step: 'credential',
      name: decision.verifier ?? 'credential',
      result: 'failed',
      detail: `refused: ${decision.reason}`,
    };
  }
  if (caller.kind === 'anonymous') {
    return { step: 'credential', name: 'credential', result: 'passed', detail: 'none was sent' };
  }
  if (caller.kind === 'upstream_auth') {
    return {
      step: 'credential',
      name: decision.verifier ?? 'password-basic',
      result: 'passed',
      detail: 'a Basic password, left to the upstream to check',
    };
  }
  const { identity } = caller;
  return {
    step: 'credential',
    name: decision.verifier ?? 'credential',
    result: 'passed',
    detail: `${identity.username}, by ${identity.credential.kind === 'api_key' ? 'key' : 'token'} ${identity.credential.keyId}`,
  };
}

/** Which scheme a 401 should challenge with: the one the client tried, or either when none. */
function challengeFor(credential: Credential): Decision['challenge'] {
  if (credential.kind === 'basic') return 'basic';
  if (credential.kind === 'none') return 'any';
  return 'bearer';
}

function deny(
  reason: DenialReason,
  verifier: string | null,
  challenge: Decision['challenge'],
  rule: string | null = null,
): Decision {
  return {
    allowed: false,
    status: statusFor(reason),
    reason,
    identity: null,
    verifier,
    rule,
    challenge,
    retryAfter: null,
  };
}

function rateLimited(verifier: string | null, limited: Limited): Decision {
  return { ...deny('rate_limited', verifier, null), retryAfter: limited.retryAfterSeconds };
}

function fromVerdict(
  verdict: Verdict,
  identity: Identity | null,
  verifier: string | null,
  challenge: Decision['challenge'],
): Decision {
  const rule = verdict.rule ?? null;
  if (!verdict.allowed) {
    const denied = deny(verdict.reason, verifier, challenge, rule);
    return verdict.scopes === undefined ? denied : { ...denied, requiredScopes: verdict.scopes };
  }
  return {
    allowed: true,
    status: 200,
    reason: verdict.reason,
    identity,
    verifier,
    rule,
    challenge: null,
    retryAfter: null,
  };
}

import type { ApiKeyAuthenticator } from '../../src/keys/api-key-authenticator.js';
import type { KnownKeyIds } from '../../src/keys/known-key-ids.js';
import { jest } from '@jest/globals';
import { Metrics } from '../../src/metrics/metrics.js';
import { pino } from 'pino';
import type { AppConfig } from '../../src/config/app-config.js';
import { DecisionLog } from '../../src/decision/decision-log.js';
import { DecisionPipeline } from '../../src/decision/decision-pipeline.js';
import { forUri } from '../../src/core/decision-request.js';
import type { Decision, Verdict } from '../../src/core/decision.js';
import type { Identity } from '../../src/core/identity.js';
import { isPromise } from '../../src/core/maybe-promise.js';
import { PolicyEvaluator, type Caller } from '../../src/core/policy-evaluator.js';
import {
  NOT_MINE,
  type CredentialVerifier,
  type Verification,
} from '../../src/core/credential-verifier.js';
import type { KeyUsageRecorder } from '../../src/keys/key-usage-recorder.js';
import { FailedAttemptLimiter } from '../../src/limits/failed-attempt-limiter.js';
import { QuotaBuckets } from '../../src/limits/quota-buckets.js';
import { UnsharedCounters } from '../../src/limits/shared-counters.js';

const IDENTITY: Identity = {
  userId: 'u1',
  username: 'alice',
  email: null,
  displayName: null,
  groups: ['dev'],
  credential: { kind: 'api_key', id: 'k1', keyId: 'AbCd1234', type: 'bearer', allowedIps: [] },
  expiresAt: null,
  issuedAt: 0,
};

class AllowIdentified extends PolicyEvaluator {
  beforeCredential(): Verdict | undefined {
    return undefined;
  }
  evaluate(_request: unknown, caller: Caller): Verdict {
    return caller.kind === 'identified'
      ? { allowed: true, reason: 'authenticated' }
      : { allowed: false, reason: 'missing_credential' };
  }
}

type Answer = Verification | Error;

/** A verifier answering as told, at once or through a promise. */
function verifier(name: string, answer: Answer, async: boolean): CredentialVerifier {
  return {
    name,
    verify: () => {
      if (!async) {
        if (answer instanceof Error) throw answer;
        return answer;
      }
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  };
}

/** Key ids not loaded yet: with the limits off here, never asked. */
const NO_KEY_IDS_YET = { has: () => undefined } as unknown as KnownKeyIds;

/** With the limits off here, never asked. */
const NO_HELD_KEYS = { heldAsValid: () => false } as unknown as ApiKeyAuthenticator;

function pipeline(answers: Answer[], async: boolean) {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const log = new DecisionLog({ decisionLog: 'all' } as AppConfig, logger);
  const usage = { record: jest.fn() };
  const metrics = new Metrics();
  const errors = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
  const verifiers = answers.map((answer, i) => verifier(`v${i}`, answer, async));
  const decider = new DecisionPipeline(
    verifiers,
    new AllowIdentified(),
    usage as unknown as KeyUsageRecorder,
    log,
    logger,
    metrics,
    new FailedAttemptLimiter(
      {
        limits: {
          failedAttemptsPerIp: 0,
          failedAttemptsPerKeyId: 0,
          failedAttemptsWindowMs: 60_000,
        },
      } as AppConfig,
      new UnsharedCounters(),
      NO_KEY_IDS_YET,
      logger,
    ),
    new QuotaBuckets(
      { limits: { quotaSyncMs: 200, quotaSyncEvery: 20 } } as AppConfig,
      new UnsharedCounters(),
      logger,
    ),
    NO_HELD_KEYS,
  );
  const logged = () => {
    log.flush();
    log.onApplicationShutdown();
    // Time and latency differ from run to run; everything else must not.
    return lines
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => ({ ...JSON.parse(line), time: 0, latencyMs: 0 }) as Record<string, unknown>);
  };
  return { decider, usage, errors, logged };
}

const request = () =>
  forUri('/orders/1?x', {
    interface: 'nginx',
    method: 'GET',
    host: 'api',
    clientIp: '10.0.0.1',
    authorization: ['Bearer pcl_whatever'],
    requestId: 'req-1',
  });

async function decideBothWays(answers: Answer[]) {
  const sync = pipeline(answers, false);
  const direct = sync.decider.decide(request());
  const async = pipeline(answers, true);
  const later = async.decider.decide(request());
  return { sync, direct, async, later };
}

describe(DecisionPipeline.name, () => {
  const identified: Verification = { outcome: 'identified', identity: IDENTITY };
  const refused: Verification = { outcome: 'refused', reason: 'revoked_key' };

  it.each([
    ['identified', [NOT_MINE, identified]],
    ['refused', [refused, identified]],
    ['claimed by none', [NOT_MINE, NOT_MINE]],
    ['a verifier that cannot decide', [NOT_MINE, new Error('database down')]],
  ] as [string, Answer[]][])(
    'decides at once when every verifier does, as it would through promises: %s',
    async (_name, answers) => {
      const { sync, direct, async, later } = await decideBothWays(answers);
      expect(isPromise(direct)).toBe(false);
      expect(isPromise(later)).toBe(true);
      expect(direct).toEqual(await later);
      expect(sync.usage.record.mock.calls).toEqual(async.usage.record.mock.calls);
      expect(sync.errors.mock.calls).toEqual(async.errors.mock.calls);
      const lines = sync.logged();
      expect(lines).toHaveLength(1);
      expect(lines).toEqual(async.logged());
    },
  );

  it('refuses as unavailable, naming the verifier, when one throws at once', async () => {
    const { direct, later, sync } = await decideBothWays([NOT_MINE, new Error('boom')]);
    const expected: Partial<Decision> = {
      allowed: false,
      status: 503,
      reason: 'unavailable',
      verifier: 'v1',
      identity: null,
    };
    expect(direct).toMatchObject(expected);
    expect(await later).toMatchObject(expected);
    expect(sync.errors).toHaveBeenCalledWith(
      { err: 'boom', verifier: 'v1' },
      'Could not verify a credential',
    );
    expect(sync.logged()[0]).toMatchObject({ granted: false, reason: 'unavailable' });
  });

  it('records the use of an identifying key once, either way', async () => {
    const { sync, async, later } = await decideBothWays([identified]);
    await later;
    expect(sync.usage.record).toHaveBeenCalledTimes(1);
    expect(sync.usage.record).toHaveBeenCalledWith('k1');
    expect(async.usage.record).toHaveBeenCalledTimes(1);
  });

  it('mixes both: a later verifier that needs a promise after one that answered at once', async () => {
    const decider = pipeline([], false).decider as unknown as { verifiers: CredentialVerifier[] };
    decider.verifiers.push(verifier('now', NOT_MINE, false), verifier('later', identified, true));
    const decision = (decider as unknown as DecisionPipeline).decide(request());
    expect(isPromise(decision)).toBe(true);
    expect(await decision).toMatchObject({
      allowed: true,
      verifier: 'later',
      reason: 'authenticated',
    });
  });
});

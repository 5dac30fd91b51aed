import { Challenges } from '../../src/adapters/challenge.js';
import type { Decision } from '../../src/core/decision.js';

function decision(status: Decision['status'], challenge: Decision['challenge']): Decision {
  return {
    allowed: status === 200,
    status,
    reason: status === 200 ? 'authenticated' : 'unknown_credential',
    identity: null,
    verifier: null,
    rule: null,
    challenge,
    retryAfter: null,
  };
}

describe(Challenges.name, () => {
  const challenges = new Challenges('portcullis');

  it('offers both Bearer and Basic, with the realm, when no credential was sent', () => {
    expect(challenges.for(decision(401, 'any'))).toBe(
      'Bearer realm="portcullis", Basic realm="portcullis", charset="UTF-8"',
    );
  });

  it('challenges a refused Basic credential with Basic', () => {
    expect(challenges.for(decision(401, 'basic'))).toBe(
      'Basic realm="portcullis", charset="UTF-8"',
    );
  });

  it('answers a refused bearer token with invalid_token', () => {
    expect(challenges.for(decision(401, 'bearer'))).toBe(
      'Bearer realm="portcullis", error="invalid_token"',
    );
  });

  it('answers a malformed header with invalid_request', () => {
    expect(challenges.for(decision(401, 'invalid_request'))).toBe(
      'Bearer realm="portcullis", error="invalid_request"',
    );
  });

  it.each([
    [200, 'any'],
    [403, 'bearer'],
    [403, null],
    [503, 'any'],
    [401, null],
  ] as const)('sends no challenge for status %s with challenge %s', (status, challenge) => {
    expect(challenges.for(decision(status, challenge))).toBeUndefined();
  });

  it('names the configured realm, without quotes or backslashes', () => {
    expect(new Challenges('a "b"\\c').for(decision(401, 'basic'))).toBe(
      'Basic realm="a bc", charset="UTF-8"',
    );
    expect(new Challenges('api').for(decision(401, 'bearer'))).toBe(
      'Bearer realm="api", error="invalid_token"',
    );
  });
});

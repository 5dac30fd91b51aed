import { jest } from '@jest/globals';
import { AllowedAnswers, flatHeaders } from '../../src/adapters/allowed-answers.js';
import { IdentityHeaders } from '../../src/decision/identity-headers.js';
import type { Identity } from '../../src/core/identity.js';

const identity = (): Identity => ({
  userId: 'u1',
  username: 'alice',
  email: 'alice@example.com',
  displayName: null,
  groups: ['dev', 'ops'],
  credential: { kind: 'api_key', id: 'k1', keyId: 'AbCd1234', type: 'bearer', allowedIps: [] },
  expiresAt: null,
  issuedAt: 0,
});

describe(AllowedAnswers.name, () => {
  const xAuth = IdentityHeaders.of('x-auth');
  const kong = IdentityHeaders.of('kong');

  it('answers with the style headers of the identity, then the builder’s own', () => {
    const answers = new AllowedAnswers((_style, upstream) =>
      flatHeaders(upstream, 'content-length', '0'),
    );
    expect(answers.for(xAuth, { identity: identity(), reason: 'authenticated' })).toEqual([
      'x-auth-user',
      'alice',
      'x-auth-email',
      'alice@example.com',
      'x-auth-groups',
      'dev,ops',
      'x-auth-credential',
      'AbCd1234',
      'content-length',
      '0',
    ]);
  });

  it('builds once per identity and style, and again when the style changes', () => {
    const build = jest.fn((_style: IdentityHeaders, upstream: Record<string, string>) =>
      flatHeaders(upstream),
    );
    const answers = new AllowedAnswers(build);
    const alice = { identity: identity(), reason: 'authenticated' } as const;
    const first = answers.for(xAuth, alice);
    expect(answers.for(xAuth, alice)).toBe(first);
    expect(build).toHaveBeenCalledTimes(1);
    expect(answers.for(kong, alice)).toEqual([
      'x-consumer-username',
      'alice',
      'x-credential-identifier',
      'AbCd1234',
      'x-consumer-groups',
      'dev,ops',
    ]);
    expect(build).toHaveBeenCalledTimes(2);
    // Another identity object (another record) is built for, even with the same values.
    answers.for(kong, { identity: identity(), reason: 'authenticated' });
    expect(build).toHaveBeenCalledTimes(3);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('answers requests without identity from their reason: the bypass mark or nothing', () => {
    const answers = new AllowedAnswers((_style, upstream) => flatHeaders(upstream));
    expect(answers.for(xAuth, { identity: null, reason: 'bypass' })).toEqual([
      'x-auth-bypass',
      '1',
    ]);
    expect(answers.for(xAuth, { identity: null, reason: 'anonymous' })).toEqual([]);
  });
});

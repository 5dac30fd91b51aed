import type { Identity } from '../../src/core/identity.js';
import {
  callerShortfall,
  claimHolds,
  compileRequirements,
  ipShortfall,
  scopesOf,
} from '../../src/policies/rules/requirements.js';

function identity(extra: Partial<Identity> = {}): Identity {
  return {
    userId: 'u1',
    username: 'alice',
    email: null,
    displayName: null,
    groups: ['Developers', 'writers'],
    credential: {
      kind: 'provider_token',
      id: 'p1',
      keyId: 'tok_x',
      type: 'bearer',
      allowedIps: [],
    },
    expiresAt: null,
    issuedAt: 0,
    ...extra,
  };
}

describe('rule requirements', () => {
  it('checks IP ranges block by block: every block must admit the client', () => {
    const blocks = compileRequirements([
      { ipRanges: ['10.0.0.0/8'] },
      { ipRanges: ['10.1.0.0/16'] },
    ]);
    expect(ipShortfall(blocks, '10.1.2.3')).toBeUndefined();
    expect(ipShortfall(blocks, '10.2.0.1')).toEqual({ reason: 'ip_denied' });
  });

  it('asks for any of, or all of, some groups, without regard to case', () => {
    const any = compileRequirements([{ anyGroups: ['ops', 'developers'] }]);
    const all = compileRequirements([{ allGroups: ['developers', 'Ops'] }]);
    expect(callerShortfall(any, identity(), 'GET')).toBeUndefined();
    expect(callerShortfall(all, identity(), 'GET')).toEqual({ reason: 'group_denied' });
    expect(
      callerShortfall(all, identity({ groups: ['OPS', 'developers'] }), 'GET'),
    ).toBeUndefined();
    // A Basic password left to the upstream has no groups.
    expect(callerShortfall(any, null, 'GET')).toEqual({ reason: 'group_denied' });
  });

  it('lets read-only members read, and only full-access members write', () => {
    const blocks = compileRequirements([
      { readOnlyGroups: ['developers'], fullAccessGroups: ['ops'] },
    ]);
    expect(callerShortfall(blocks, identity(), 'GET')).toBeUndefined();
    expect(callerShortfall(blocks, identity(), 'POST')).toEqual({ reason: 'read_only' });
    expect(
      callerShortfall(blocks, identity({ groups: ['developers', 'ops'] }), 'POST'),
    ).toBeUndefined();
  });

  it('needs every scope, from the key or from the token, and names them', () => {
    const blocks = compileRequirements([{ scopes: ['orders:write', 'orders:read'] }]);
    const token = (scope: string) => identity({ token: { issuer: 'https://idp', scope } });
    expect(callerShortfall(blocks, token('orders:read orders:write'), 'POST')).toBeUndefined();
    expect(callerShortfall(blocks, token('orders:read'), 'POST')).toEqual({
      reason: 'insufficient_scope',
      scopes: ['orders:write', 'orders:read'],
    });
    expect(
      callerShortfall(blocks, identity({ scopes: ['orders:write', 'orders:read'] }), 'POST'),
    ).toBeUndefined();
    expect([...scopesOf(token('  a  b '))]).toEqual(['a', 'b']);
    expect(callerShortfall(blocks, null, 'GET')?.reason).toBe('insufficient_scope');
  });

  it('checks claims: equals, one of, contains, by dotted path', () => {
    const claims = {
      tid: 't1',
      amr: ['pwd', 'mfa'],
      realm_access: { roles: ['admin'] },
      scp: 'a b',
      n: 3,
    };
    expect(claimHolds(claims, { claim: 'tid', equals: 't1' })).toBe(true);
    expect(claimHolds(claims, { claim: 'tid', equals: 't2' })).toBe(false);
    expect(claimHolds(claims, { claim: 'n', oneOf: [1, 3] })).toBe(true);
    expect(claimHolds(claims, { claim: 'n', oneOf: ['3'] })).toBe(false);
    expect(claimHolds(claims, { claim: 'amr', contains: 'mfa' })).toBe(true);
    expect(claimHolds(claims, { claim: 'realm_access.roles', contains: 'admin' })).toBe(true);
    expect(claimHolds(claims, { claim: 'scp', contains: 'b' })).toBe(true);
    expect(claimHolds(claims, { claim: 'realm_access.missing', contains: 'admin' })).toBe(false);
    expect(claimHolds(claims, { claim: 'toString', equals: 'x' })).toBe(false);
    expect(claimHolds(undefined, { claim: 'tid', equals: 't1' })).toBe(false);

    const blocks = compileRequirements([{ claims: [{ claim: 'amr', contains: 'mfa' }] }]);
    const withClaims = identity({ token: { issuer: 'https://idp', claims } });
    expect(callerShortfall(blocks, withClaims, 'GET')).toBeUndefined();
    // A key has no claims.
    expect(callerShortfall(blocks, identity(), 'GET')).toEqual({ reason: 'claim_denied' });
  });
});

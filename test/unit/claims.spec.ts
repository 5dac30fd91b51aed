import { flattenClaims, listClaim, readClaim, stringClaim } from '../../src/providers/claims.js';

describe('claims', () => {
  const claims = {
    sub: 'u-1',
    email: 'Alice@Example.com',
    id: 42,
    realm_access: { roles: ['dev', 'ops'] },
    scope: 'read write',
    blank: '  ',
    nested: { deeper: { name: 'x' } },
  };

  it('reads dotted paths, own properties only', () => {
    expect(readClaim(claims, 'realm_access.roles')).toEqual(['dev', 'ops']);
    expect(readClaim(claims, 'nested.deeper.name')).toBe('x');
    expect(readClaim(claims, 'missing.name')).toBeUndefined();
    expect(readClaim(claims, 'email.length')).toBeUndefined();
    expect(readClaim(claims, 'constructor')).toBeUndefined();
    expect(readClaim(claims, '__proto__')).toBeUndefined();
  });

  it('reads strings and numbers as one string', () => {
    expect(stringClaim(claims, 'email')).toBe('Alice@Example.com');
    expect(stringClaim(claims, 'id')).toBe('42');
    expect(stringClaim(claims, 'blank')).toBeUndefined();
    expect(stringClaim(claims, 'realm_access')).toBeUndefined();
  });

  it('reads lists from arrays or separated strings', () => {
    expect(listClaim(claims, 'realm_access.roles')).toEqual(['dev', 'ops']);
    expect(listClaim(claims, 'scope')).toEqual(['read', 'write']);
    expect(listClaim(claims, 'id')).toEqual([]);
  });

  it('flattens every leaf to its path', () => {
    expect(flattenClaims(claims).map((e) => e.path)).toEqual([
      'sub',
      'email',
      'id',
      'realm_access.roles',
      'scope',
      'blank',
      'nested.deeper.name',
    ]);
  });
});

import { IdentityHeaders } from '../../src/decision/identity-headers.js';
import type { Identity } from '../../src/core/identity.js';

const alice: Identity = {
  userId: 'u-1',
  username: 'alice',
  email: 'alice@example.com',
  displayName: 'Alice Liddell',
  groups: ['ops', 'dev'],
  credential: { kind: 'api_key', id: 'k-1', keyId: 'AbCd1234', type: 'bearer', allowedIps: [] },
  expiresAt: null,
  issuedAt: 0,
};
const bare: Identity = { ...alice, email: null, displayName: null };

describe(IdentityHeaders.name, () => {
  it('x-auth: user, email, groups and credential', () => {
    expect(IdentityHeaders.of('x-auth').for(alice)).toEqual({
      'x-auth-user': 'alice',
      'x-auth-email': 'alice@example.com',
      'x-auth-groups': 'ops,dev',
      'x-auth-credential': 'AbCd1234',
    });
  });

  it('oauth2-proxy: user, email and groups', () => {
    expect(IdentityHeaders.of('oauth2-proxy').for(alice)).toEqual({
      'x-auth-request-user': 'alice',
      'x-auth-request-email': 'alice@example.com',
      'x-auth-request-groups': 'ops,dev',
    });
  });

  it('authelia: user, email, groups and name', () => {
    expect(IdentityHeaders.of('authelia').for(alice)).toEqual({
      'remote-user': 'alice',
      'remote-email': 'alice@example.com',
      'remote-groups': 'ops,dev',
      'remote-name': 'Alice Liddell',
    });
  });

  it('kong: consumer username, credential identifier and groups', () => {
    expect(IdentityHeaders.of('kong').for(alice)).toEqual({
      'x-consumer-username': 'alice',
      'x-credential-identifier': 'AbCd1234',
      'x-consumer-groups': 'ops,dev',
    });
  });

  it('leaves out a missing email and display name, and reports them absent', () => {
    const headers = IdentityHeaders.of('authelia');
    const sent = headers.for(bare);
    expect(sent).toEqual({ 'remote-user': 'alice', 'remote-groups': 'ops,dev' });
    expect(headers.absentFrom(sent)).toEqual(['remote-email', 'remote-name', 'x-auth-bypass']);
  });

  it('leaves out the groups header when there are no groups', () => {
    const headers = IdentityHeaders.of('x-auth');
    const sent = headers.for({ ...bare, groups: [] });
    expect(sent).toEqual({ 'x-auth-user': 'alice', 'x-auth-credential': 'AbCd1234' });
    expect(headers.absentFrom(sent)).toEqual(['x-auth-email', 'x-auth-groups', 'x-auth-bypass']);
  });

  it('reports only the bypass mark absent for a full identity', () => {
    const headers = IdentityHeaders.of('authelia');
    expect(headers.absentFrom(headers.for(alice))).toEqual(['x-auth-bypass']);
  });

  it('marks a bypassed request, and sends nothing for other anonymous allows', () => {
    const headers = IdentityHeaders.of('kong');
    expect(headers.forAllowed({ identity: null, reason: 'bypass' })).toEqual({
      'x-auth-bypass': '1',
    });
    expect(headers.forAllowed({ identity: null, reason: 'anonymous' })).toEqual({});
    expect(headers.forAllowed({ identity: alice, reason: 'authenticated' })).toEqual(
      headers.for(alice),
    );
  });

  it.each([
    ['x-auth', ['x-auth-user', 'x-auth-email', 'x-auth-groups', 'x-auth-credential']],
    ['oauth2-proxy', ['x-auth-request-user', 'x-auth-request-email', 'x-auth-request-groups']],
    ['authelia', ['remote-user', 'remote-email', 'remote-groups', 'remote-name']],
    ['kong', ['x-consumer-username', 'x-credential-identifier', 'x-consumer-groups']],
  ] as const)('names every header of the %s style', (style, names) => {
    const headers = IdentityHeaders.of(style);
    expect([...headers.names].sort()).toEqual([...names, 'x-auth-bypass'].sort());
    expect(headers.absentFrom({})).toEqual(headers.names);
  });

  it('builds each style once', () => {
    expect(IdentityHeaders.of('kong')).toBe(IdentityHeaders.of('kong'));
    expect(IdentityHeaders.of('kong')).not.toBe(IdentityHeaders.of('x-auth'));
  });
});

import type { Identity } from '../../src/core/identity.js';
import { ProviderIdentity, type TokenFacts } from '../../src/providers/provider-identity.js';
import type {
  LocalUser,
  ProviderUserResolver,
} from '../../src/providers/provider-user-resolver.js';
import type { Provider } from '../../src/providers/provider.entity.js';

const provider = {
  id: 'p1',
  issuer: 'https://idp.example',
  usernameAttribute: 'sub',
  matchBy: 'username',
  provisionUsers: false,
  groupsAttribute: 'groups',
  groupsMode: 'add',
} as unknown as Provider;

const alice: LocalUser = {
  id: 'u1',
  username: 'alice',
  email: 'alice@example.com',
  displayName: null,
  disabled: false,
  groups: ['staff'],
};

function facts(): TokenFacts {
  return {
    claims: { sub: 'alice', groups: ['ops'], scope: 'api' },
    fingerprint: 'tok_abc',
    expiresAt: null,
    issuedAt: 1_000,
  };
}

/** The resolver as the verifiers see it: a remembered user, returned at once. */
function resolverOf(user: () => LocalUser | undefined) {
  return { find: () => user() } as unknown as ProviderUserResolver;
}

function identityOf(verification: ReturnType<ProviderIdentity['resolve']>): Identity {
  if (verification instanceof Promise || verification.outcome !== 'identified') {
    throw new Error(`expected an identity at once, got ${JSON.stringify(verification)}`);
  }
  return verification.identity;
}

describe(ProviderIdentity.name, () => {
  it('maps the token to the local user, with local and token groups', () => {
    const identities = new ProviderIdentity(resolverOf(() => alice));
    const identity = identityOf(identities.resolve(provider, facts()));
    expect(identity.username).toBe('alice');
    expect(identity.groups).toEqual(expect.arrayContaining(['staff', 'ops']));
    expect(identity.credential).toMatchObject({ kind: 'provider_token', keyId: 'tok_abc' });
  });

  it('builds one identity per cached token, provider and user', () => {
    const identities = new ProviderIdentity(resolverOf(() => alice));
    const cached = facts();
    const first = identityOf(identities.resolve(provider, cached));
    expect(identityOf(identities.resolve(provider, cached))).toBe(first);
    // Another token's facts are another identity.
    expect(identityOf(identities.resolve(provider, facts()))).not.toBe(first);
  });

  it('builds the identity again when the user or the provider has changed', () => {
    let user = alice;
    const identities = new ProviderIdentity(resolverOf(() => user));
    const cached = facts();
    const first = identityOf(identities.resolve(provider, cached));
    user = { ...alice, groups: ['auditors'] };
    const second = identityOf(identities.resolve(provider, cached));
    expect(second).not.toBe(first);
    expect(second.groups).toContain('auditors');
    expect(second.groups).not.toContain('staff');
    const changedProvider = { ...provider, groupsMode: 'replace' } as Provider;
    expect(identityOf(identities.resolve(changedProvider, cached))).not.toBe(second);
  });

  it('refuses a disabled or unknown user, even after an identity was built', () => {
    let user: LocalUser | undefined = alice;
    const identities = new ProviderIdentity(resolverOf(() => user));
    const cached = facts();
    identityOf(identities.resolve(provider, cached));
    user = { ...alice, disabled: true };
    expect(identities.resolve(provider, cached)).toEqual({
      outcome: 'refused',
      reason: 'user_disabled',
    });
    user = undefined;
    expect(identities.resolve(provider, cached)).toEqual({
      outcome: 'refused',
      reason: 'unknown_user',
    });
  });
});

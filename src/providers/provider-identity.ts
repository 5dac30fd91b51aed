import { Injectable } from '@nestjs/common';
import type { Identity } from '../core/identity.js';
import { isPromise, type MaybePromise } from '../core/maybe-promise.js';
import type { Verification } from '../core/credential-verifier.js';
import { listClaim, readClaim, stringClaim } from './claims.js';
import type { Provider } from './provider.entity.js';
import { ProviderUserResolver, type LocalUser } from './provider-user-resolver.js';

const UNKNOWN_USER: Verification = { outcome: 'refused', reason: 'unknown_user' };
const USER_DISABLED: Verification = { outcome: 'refused', reason: 'user_disabled' };

/** An identity built for a token's facts, valid while its provider and user are the same objects. */
interface BuiltIdentity {
  provider: Provider;
  user: LocalUser;
  verification: Verification;
}

/** What was learnt of a valid token, whichever way it was checked. */
export interface TokenFacts {
  /** Claims from the JWT, the userinfo answer or the introspection answer. */
  claims: Record<string, unknown>;
  /** `tok_` and a fingerprint of the token, for logs and X-Auth-Credential. */
  fingerprint: string;
  /** Epoch ms; null when the provider did not say. */
  expiresAt: number | null;
  issuedAt: number | null;
}

/**
 * Maps a valid provider token to a local user, through the provider's username attribute (a
 * username or an email), and builds the identity: local groups, with the token's groups added or
 * instead, as the provider says.
 */
@Injectable()
export class ProviderIdentity {
  /**
   * Facts of a cached token are one object for as long as the token is cached, and so are the
   * provider and the user until either changes: their identity is built once, and with it the
   * answer's headers and the log line's fields, which are remembered per identity.
   */
  private readonly built = new WeakMap<TokenFacts, BuiltIdentity>();

  constructor(private readonly users: ProviderUserResolver) {}

  /** At once when the user is remembered in this process (the usual case), else a promise. */
  resolve(provider: Provider, facts: TokenFacts): MaybePromise<Verification> {
    const name = stringClaim(facts.claims, provider.usernameAttribute);
    if (name === undefined) return UNKNOWN_USER;
    const found = this.users.find(provider.matchBy, name);
    if (!isPromise(found) && (found !== undefined || !provider.provisionUsers)) {
      return this.verification(provider, facts, found);
    }
    return this.resolveLater(provider, facts, name, found);
  }

  private async resolveLater(
    provider: Provider,
    facts: TokenFacts,
    name: string,
    found: MaybePromise<LocalUser | undefined>,
  ): Promise<Verification> {
    let user = await found;
    if (user === undefined && provider.provisionUsers) {
      user = await this.users.provision(provider.matchBy, name, {
        email: stringClaim(facts.claims, 'email'),
        displayName: stringClaim(facts.claims, 'name'),
      });
    }
    return this.verification(provider, facts, user);
  }

  private verification(
    provider: Provider,
    facts: TokenFacts,
    user: LocalUser | undefined,
  ): Verification {
    if (user === undefined) return UNKNOWN_USER;
    if (user.disabled) return USER_DISABLED;
    const earlier = this.built.get(facts);
    if (earlier?.provider === provider && earlier.user === user) return earlier.verification;
    const identity: Identity = {
      userId: user.id,
      username: user.username,
      email: user.email,
      displayName: user.displayName,
      groups: groupsOf(provider, user.groups, facts.claims),
      scopes: tokenScopes(provider, facts.claims),
      credential: {
        kind: 'provider_token',
        id: provider.id,
        keyId: facts.fingerprint,
        type: 'bearer',
        allowedIps: [],
      },
      expiresAt: facts.expiresAt,
      issuedAt: facts.issuedAt ?? Date.now(),
      token: {
        issuer: provider.issuer,
        subject: stringClaim(facts.claims, 'sub'),
        scope: stringClaim(facts.claims, 'scope'),
        clientId: stringClaim(facts.claims, 'client_id') ?? stringClaim(facts.claims, 'azp'),
        claims: facts.claims,
      },
    };
    const verification: Verification = { outcome: 'identified', identity };
    this.built.set(facts, { provider, user, verification });
    return verification;
  }
}

/**
 * A token's scopes: from the provider's scope claim, else `scope` (RFC 8693, RFC 9068: a
 * space-separated string), else `scp` (an array, as Azure AD and Okta send).
 */
export function tokenScopes(provider: Provider, claims: Record<string, unknown>): string[] {
  const claim = provider.scopeClaim ?? (claims.scope !== undefined ? 'scope' : 'scp');
  const value = readClaim(claims, claim);
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];
}

function groupsOf(provider: Provider, local: string[], claims: Record<string, unknown>): string[] {
  return mergeGroups(provider, local, tokenGroups(provider, claims));
}

/** The groups a provider's claims name, by its groups attribute (none when it has none). */
export function tokenGroups(provider: Provider, claims: Record<string, unknown>): string[] {
  return provider.groupsAttribute === null ? [] : listClaim(claims, provider.groupsAttribute);
}

/** A user's groups under a provider: the local ones, with the token's added or instead. */
export function mergeGroups(provider: Provider, local: string[], fromToken: string[]): string[] {
  if (provider.groupsAttribute === null) return local;
  if (provider.groupsMode === 'replace') return [...new Set(fromToken)];
  const seen = new Set(local.map((g) => g.toLowerCase()));
  return [...local, ...fromToken.filter((g) => !seen.has(g.toLowerCase()))];
}

import { Injectable } from '@nestjs/common';
import type { Identity } from '../decision/identity.js';
import type { Verification } from '../decision/verifiers/credential-verifier.js';
import { listClaim, stringClaim } from './claims.js';
import type { Provider } from './provider.entity.js';
import { ProviderUserResolver } from './provider-user-resolver.js';

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
  constructor(private readonly users: ProviderUserResolver) {}

  async resolve(provider: Provider, facts: TokenFacts): Promise<Verification> {
    const name = stringClaim(facts.claims, provider.usernameAttribute);
    if (name === undefined) return { outcome: 'refused', reason: 'unknown_user' };
    let user = await this.users.find(provider.matchBy, name);
    if (user === undefined && provider.provisionUsers) {
      user = await this.users.provision(provider.matchBy, name, {
        email: stringClaim(facts.claims, 'email'),
        displayName: stringClaim(facts.claims, 'name'),
      });
    }
    if (user === undefined) return { outcome: 'refused', reason: 'unknown_user' };
    if (user.disabled) return { outcome: 'refused', reason: 'user_disabled' };
    const identity: Identity = {
      userId: user.id,
      username: user.username,
      email: user.email,
      displayName: user.displayName,
      groups: groupsOf(provider, user.groups, facts.claims),
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
      },
    };
    return { outcome: 'identified', identity };
  }
}

function groupsOf(provider: Provider, local: string[], claims: Record<string, unknown>): string[] {
  if (provider.groupsAttribute === null) return local;
  const fromToken = listClaim(claims, provider.groupsAttribute);
  if (provider.groupsMode === 'replace') return [...new Set(fromToken)];
  const seen = new Set(local.map((g) => g.toLowerCase()));
  return [...local, ...fromToken.filter((g) => !seen.has(g.toLowerCase()))];
}

import { Injectable } from '@nestjs/common';
import { decodeJwt } from 'jose';
import type { MaybePromise } from '../core/maybe-promise.js';
import { NOT_MINE, type Verification } from '../core/credential-verifier.js';
import { stringClaim } from './claims.js';
import { ProviderClient, type TokenAnswer } from './provider-client.js';
import { ProviderIdentity, type TokenFacts } from './provider-identity.js';
import { ProviderRegistry } from './provider-registry.js';
import { ProviderTokenCache } from './provider-token-cache.js';
import type { Provider } from './provider.entity.js';

export type OpaqueMethod = 'introspection' | 'userinfo';

/**
 * Checks a token by asking providers (introspection or userinfo), each provider by the one method
 * its settings choose: `introspection` or `userinfo`, or for `auto`, introspection when it has an
 * endpoint and a client secret, else userinfo. A JWT naming a known issuer is shown to that
 * provider only; any other token to each provider of the method in order, until one knows it.
 * Answers are cached by the token's HMAC; a provider that cannot be reached throws (fail closed).
 */
@Injectable()
export class OpaqueTokenChecker {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly client: ProviderClient,
    private readonly identities: ProviderIdentity,
    private readonly cache: ProviderTokenCache,
  ) {}

  /** At once when the answer is cached and its user remembered, else a promise. */
  check(method: OpaqueMethod, token: string): MaybePromise<Verification> {
    const candidates = this.candidates(method, token);
    if (candidates.length === 0) return NOT_MINE;
    const tokenHash = this.cache.hashOf(token);
    const cacheKey = `${method}:${tokenHash}`;
    const cached = this.cache.get(cacheKey);
    if (cached === 'inactive') return NOT_MINE;
    if (cached !== undefined) {
      const provider = candidates.find((p) => p.id === cached.providerId);
      if (provider) return this.identities.resolve(provider, cached.facts);
    }
    return this.askProviders(method, token, candidates, tokenHash, cacheKey);
  }

  private async askProviders(
    method: OpaqueMethod,
    token: string,
    candidates: Provider[],
    tokenHash: string,
    cacheKey: string,
  ): Promise<Verification> {
    for (const provider of candidates) {
      const answer = await this.ask(method, provider, token);
      if (!answer.active) continue;
      const facts = factsOf(answer.claims, tokenHash);
      if (facts.expiresAt !== null && facts.expiresAt <= Date.now()) continue;
      this.cache.remember(cacheKey, { providerId: provider.id, facts });
      return this.identities.resolve(provider, facts);
    }
    this.cache.remember(cacheKey, 'inactive');
    return NOT_MINE;
  }

  private candidates(method: OpaqueMethod, token: string): Provider[] {
    const issuer = jwtIssuer(token);
    const owner = issuer === undefined ? undefined : this.registry.forIssuer(issuer)?.provider;
    const providers = owner ? [owner] : this.registry.all().map((a) => a.provider);
    return providers.filter((provider) => opaqueMethodOf(provider) === method);
  }

  private async ask(method: OpaqueMethod, provider: Provider, token: string): Promise<TokenAnswer> {
    if (method === 'userinfo') return this.client.userinfo(provider, token);
    const answer = await this.client.introspect(provider, token);
    // Introspection often omits profile claims: userinfo fills in what the mapping needs.
    if (
      answer.active &&
      provider.userinfoEndpoint !== null &&
      stringClaim(answer.claims, provider.usernameAttribute) === undefined
    ) {
      const profile = await this.client.userinfo(provider, token);
      if (profile.active) return { active: true, claims: { ...profile.claims, ...answer.claims } };
    }
    return answer;
  }
}

/** How a provider checks tokens that are not its JWTs, if at all. */
export function opaqueMethodOf(provider: Provider): OpaqueMethod | undefined {
  if (provider.validation === 'introspection' || provider.validation === 'userinfo') {
    return provider.validation;
  }
  if (provider.validation !== 'auto') return undefined;
  if (provider.introspectionEndpoint !== null && provider.clientSecretSealed !== null) {
    return 'introspection';
  }
  return provider.userinfoEndpoint !== null ? 'userinfo' : undefined;
}

function factsOf(claims: Record<string, unknown>, tokenHash: string): TokenFacts {
  const seconds = (name: string) =>
    typeof claims[name] === 'number' ? (claims[name] as number) * 1000 : null;
  return {
    claims,
    fingerprint: `tok_${tokenHash.slice(0, 12)}`,
    expiresAt: seconds('exp'),
    issuedAt: seconds('iat'),
  };
}

function jwtIssuer(token: string): string | undefined {
  if (token.split('.').length !== 3) return undefined;
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

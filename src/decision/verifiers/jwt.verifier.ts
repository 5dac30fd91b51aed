import { Injectable } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { AppConfig } from '../../config/app-config.js';
import type { JwksCache } from '../../providers/jwks-cache.js';
import { ProviderIdentity } from '../../providers/provider-identity.js';
import { ProviderRegistry } from '../../providers/provider-registry.js';
import { ProviderTokenCache } from '../../providers/provider-token-cache.js';
import type { Provider } from '../../providers/provider.entity.js';
import type { Credential } from '../../core/credential.js';
import type { MaybePromise } from '../../core/maybe-promise.js';
import {
  NOT_MINE,
  type CredentialVerifier,
  type Verification,
} from '../../core/credential-verifier.js';

/** Asymmetric algorithms only: never `none`, never HMAC (a public key must not become a secret). */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];
/** RFC 9068 §2.2: the claims a JWT access token must carry (strict providers). */
const RFC9068_CLAIMS = ['exp', 'iat', 'sub', 'client_id', 'jti'];
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Access tokens that are JWTs from a configured provider: found by `iss`, checked locally against
 * the provider's signing keys (algorithm allowlist, `iss` exact, `aud` when configured, `exp`
 * required, `nbf`/`iat` honoured within the clock skew, `typ: at+jwt` for strict providers), then
 * mapped to a local user. A JWT of an unknown issuer is not this verifier's: the next one is asked.
 */
@Injectable()
export class JwtVerifier implements CredentialVerifier {
  readonly name = 'jwt';

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly identities: ProviderIdentity,
    private readonly config: AppConfig,
    private readonly verified: ProviderTokenCache,
  ) {}

  /**
   * "Not mine" is answered at once, and so is a token verified before whose user this process
   * remembers (no decoding, no signature check); anything else costs a promise.
   */
  verify(credential: Credential): MaybePromise<Verification> {
    if (credential.kind !== 'bearer' || !JWT_SHAPE.test(credential.token)) return NOT_MINE;
    // A token checked before is not checked again until it expires (or any provider changes,
    // which empties the cache of verified tokens).
    const tokenHash = this.verified.hashOf(credential.token);
    const cached = this.verified.get(`jwt:${tokenHash}`);
    if (cached !== undefined && cached !== 'inactive') {
      const issuer = cached.facts.claims.iss;
      const provider =
        typeof issuer === 'string' ? this.registry.forIssuer(issuer)?.provider : undefined;
      if (provider?.id === cached.providerId)
        return this.identities.resolve(provider, cached.facts);
    }
    const issuer = unverifiedIssuer(credential.token);
    if (issuer === undefined) return NOT_MINE;
    const active = this.registry.forIssuer(issuer);
    const provider = active?.provider;
    if (!provider || !active.jwks || !['jwt', 'auto'].includes(provider.validation)) {
      return NOT_MINE;
    }
    return this.check(credential.token, tokenHash, provider, active.jwks);
  }

  private async check(
    token: string,
    tokenHash: string,
    provider: Provider,
    jwks: JwksCache,
  ): Promise<Verification> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks.getKey, {
        issuer: provider.issuer!,
        ...(provider.audience !== null && { audience: provider.audience }),
        algorithms: JWT_ALGORITHMS,
        requiredClaims: provider.strictJwt ? RFC9068_CLAIMS : ['exp'],
        ...(provider.strictJwt && { typ: 'at+jwt' }),
        clockTolerance: Math.round(this.config.clockSkewMs / 1000),
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        return { outcome: 'refused', reason: 'expired_token' };
      if (error instanceof errors.JOSEError) return { outcome: 'refused', reason: 'invalid_token' };
      throw error; // the provider's keys could not be fetched: not decided, so not allowed
    }
    // jose checks exp and nbf; a token issued in the future is as suspect as one not yet valid.
    if (payload.iat !== undefined && payload.iat * 1000 > Date.now() + this.config.clockSkewMs) {
      return { outcome: 'refused', reason: 'invalid_token' };
    }
    const facts = {
      claims: payload as Record<string, unknown>,
      fingerprint: `tok_${tokenHash.slice(0, 12)}`,
      expiresAt: (payload.exp ?? 0) * 1000,
      issuedAt: payload.iat === undefined ? null : payload.iat * 1000,
    };
    this.verified.remember(`jwt:${tokenHash}`, { providerId: provider.id, facts });
    return this.identities.resolve(provider, facts);
  }
}

/** The `iss` of a JWT, unverified (only to find whose keys to verify it with). */
function unverifiedIssuer(token: string): string | undefined {
  try {
    decodeProtectedHeader(token);
    const { iss } = decodeJwt(token);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

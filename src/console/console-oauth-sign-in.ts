import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import { SharedStore } from '../cache/shared-store.js';
import { AppConfig } from '../config/app-config.js';
import type { Identity } from '../core/identity.js';
import { JWT_ALGORITHMS } from '../decision/verifiers/jwt.verifier.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import { authorizationUrl } from '../providers/authorization-request.js';
import { OutboundError } from '../providers/outbound-http.js';
import { ProviderClient, TokenEndpointRefusal } from '../providers/provider-client.js';
import { ProviderIdentity, tokenGroups } from '../providers/provider-identity.js';
import { ProviderRegistry } from '../providers/provider-registry.js';
import { ProviderUserResolver } from '../providers/provider-user-resolver.js';
import type { Provider } from '../providers/provider.entity.js';
import { ProvidersService } from '../providers/providers.service.js';
import { ConsoleSessions, sessionStoreKey, type OpenedSession } from './console-sessions.js';
import {
  ProviderSessionCheck,
  providerSessionIdentity,
  type ProviderSessionDenial,
} from './provider-session-check.js';

/** How long a started sign-in may take at the provider. */
export const SIGN_IN_TTL_MS = 10 * 60 * 1000;

/** Why a sign-in through a provider failed: stable codes, shown as sentences by the console. */
export type SignInFailure =
  | ProviderSessionDenial
  /** Unknown, used or expired state, or a callback in another browser than the one that started. */
  | 'state_mismatch'
  /** The provider said no (the user cancelled, or the code was refused). */
  | 'provider_refused'
  /** The provider could not be reached or answered nonsense. */
  | 'provider_down'
  /** The ID token failed its checks (signature, issuer, audience, expiry, nonce). */
  | 'invalid_token'
  /** Portcullis's own store or database failed. */
  | 'unavailable';

export type SignInStart =
  { ok: true; location: string; binding: string } | { ok: false; reason: SignInFailure };

export type SignInResult =
  | { ok: true; opened: OpenedSession; identity: Identity; provider: Provider }
  | { ok: false; reason: SignInFailure };

interface PendingSignIn {
  providerId: string;
  verifier: string;
  nonce: string;
  /** SHA-256 of the browser's sign-in cookie. */
  binding: string;
}

class Refused extends Error {
  constructor(readonly reason: SignInFailure) {
    super(reason);
  }
}

/**
 * Signing in to the web console through an identity provider marked for it: the authorization
 * code flow with PKCE (S256), a `state` that serves once and is bound to the browser by a cookie,
 * and a `nonce` checked in the ID token. The user is mapped as the decision path maps a token
 * (the provider's username attribute, by username or email, its groups), and only someone who may
 * use the console gets a session (see mayUseConsole). Every failure is a reason code, never an
 * exception; codes, states and tokens are never logged.
 */
@Injectable()
export class ConsoleOAuthSignIn {
  constructor(
    private readonly store: SharedStore,
    private readonly client: ProviderClient,
    private readonly providers: ProvidersService,
    private readonly registry: ProviderRegistry,
    private readonly identities: ProviderIdentity,
    private readonly users: ProviderUserResolver,
    private readonly access: ProviderSessionCheck,
    private readonly sessions: ConsoleSessions,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The providers offered on the sign-in page. */
  offered(): { id: string; name: string }[] {
    return this.registry
      .all()
      .filter(({ provider }) => provider.consoleSignIn)
      .map(({ provider }) => ({ id: provider.id, name: provider.name }));
  }

  /** Starts a sign-in: where to send the browser, and the value of its sign-in cookie. */
  async start(providerId: string): Promise<SignInStart> {
    const provider = this.access.signInProvider(providerId);
    if (!provider?.authorizationEndpoint || !provider.tokenEndpoint) {
      return this.refuse(providerId, 'provider_unavailable');
    }
    const state = random(24);
    const binding = random(32);
    const pending: PendingSignIn = {
      providerId,
      verifier: random(32),
      nonce: random(16),
      binding: sha256(binding),
    };
    try {
      await this.store.set(storeKey(state), JSON.stringify(pending), SIGN_IN_TTL_MS);
    } catch {
      return this.refuse(providerId, 'unavailable');
    }
    const location = authorizationUrl(provider, {
      redirectUri: this.providers.consoleRedirectUri(providerId),
      state,
      nonce: pending.nonce,
      verifier: pending.verifier,
    });
    return { ok: true, location, binding };
  }

  /** Finishes a sign-in at the callback: a session, or why not. */
  async finish(
    providerId: string,
    query: { code?: string; state?: string; error?: string },
    binding: string | undefined,
  ): Promise<SignInResult> {
    try {
      return await this.complete(providerId, query, binding);
    } catch (error) {
      if (error instanceof Refused) return this.refuse(providerId, error.reason);
      if (error instanceof TokenEndpointRefusal) {
        return this.refuse(providerId, 'provider_refused', error.message);
      }
      if (error instanceof OutboundError) {
        return this.refuse(providerId, 'provider_down', error.message);
      }
      return this.refuse(providerId, 'unavailable', (error as Error).message);
    }
  }

  private async complete(
    providerId: string,
    query: { code?: string; state?: string; error?: string },
    binding: string | undefined,
  ): Promise<SignInResult> {
    if (!query.state) throw new Refused('state_mismatch');
    // The state serves once, whatever happens next: taken, not read.
    const stored = await this.store.getAndDelete(storeKey(query.state));
    const pending = stored === undefined ? undefined : (JSON.parse(stored) as PendingSignIn);
    if (
      pending === undefined ||
      pending.providerId !== providerId ||
      binding === undefined ||
      !sameText(sha256(binding), pending.binding)
    ) {
      throw new Refused('state_mismatch');
    }
    if (query.error !== undefined || !query.code) throw new Refused('provider_refused');
    const provider = this.access.signInProvider(providerId);
    if (provider === undefined) throw new Refused('provider_unavailable');

    const tokens = await this.client.exchangeCode(
      provider,
      query.code,
      pending.verifier,
      this.providers.consoleRedirectUri(providerId),
    );
    const claims = await this.claimsOf(provider, tokens, pending.nonce);
    const verification = await this.identities.resolve(provider, {
      claims,
      fingerprint: '',
      expiresAt: null,
      issuedAt: null,
    });
    if (verification.outcome !== 'identified') {
      const disabled =
        verification.outcome === 'refused' && verification.reason === 'user_disabled';
      throw new Refused(disabled ? 'user_disabled' : 'unknown_user');
    }
    // The user as the database has them (local groups), with the provider's groups, if they count.
    const user = await this.users.byId(verification.identity.userId);
    const groups = tokenGroups(provider, claims);
    const now = Date.now();
    const admitted = this.access.admit(provider, user, groups, {
      ref: '',
      createdAt: now,
      expiresAt: now,
    });
    if (!admitted.ok) throw new Refused(admitted.reason);
    const opened = await this.sessions.open(
      { kind: 'provider', providerId, userId: user!.id, tokenGroups: groups },
      null,
    );
    const identity = providerSessionIdentity(provider, user!, groups, {
      ref: sessionStoreKey(opened.id),
      createdAt: now,
      expiresAt: opened.expiresAt,
    });
    return { ok: true, opened, identity, provider };
  }

  /**
   * What the provider says of the user: the ID token's claims (signature, issuer, audience = our
   * client id, expiry and nonce checked), with userinfo's added where there is an endpoint. A
   * provider without ID tokens (GitHub) is asked at userinfo only; PKCE and the bound state
   * protect that exchange.
   */
  private async claimsOf(
    provider: Provider,
    tokens: Record<string, unknown>,
    nonce: string,
  ): Promise<Record<string, unknown>> {
    let claims: Record<string, unknown> = {};
    const jwks = this.registry.all().find((a) => a.provider.id === provider.id)?.jwks;
    const expectsIdToken =
      provider.scope.split(' ').includes('openid') && provider.issuer !== null && jwks;
    if (expectsIdToken) {
      if (typeof tokens.id_token !== 'string') throw new Refused('invalid_token');
      try {
        const { payload } = await jwtVerify(tokens.id_token, jwks.getKey, {
          issuer: provider.issuer!,
          audience: provider.clientId,
          algorithms: JWT_ALGORITHMS,
          requiredClaims: ['exp', 'iat', 'sub'],
          clockTolerance: Math.round(this.config.clockSkewMs / 1000),
        });
        claims = payload as Record<string, unknown>;
      } catch (error) {
        if (error instanceof errors.JOSEError) throw new Refused('invalid_token');
        throw error;
      }
      if (typeof claims.nonce !== 'string' || !sameText(claims.nonce, nonce)) {
        throw new Refused('invalid_token');
      }
    }
    if (provider.userinfoEndpoint !== null && typeof tokens.access_token === 'string') {
      const answer = await this.client.userinfo(provider, tokens.access_token);
      if (answer.active) {
        // OpenID Connect Core §5.3.2: userinfo must be about the ID token's subject.
        if (expectsIdToken && answer.claims.sub !== claims.sub) throw new Refused('invalid_token');
        claims = { ...answer.claims, ...claims };
      }
    }
    if (Object.keys(claims).length === 0) throw new Refused('invalid_token');
    return claims;
  }

  private refuse(
    providerId: string,
    reason: SignInFailure,
    detail?: string,
  ): { ok: false; reason: SignInFailure } {
    this.logger.info(
      { event: 'console.sign-in.refused', providerId, reason, ...(detail && { detail }) },
      'Console sign-in through a provider refused',
    );
    return { ok: false, reason };
  }
}

function storeKey(state: string): string {
  // The state is hashed: the store's key names are not secrets, and the state is one until used.
  return `console-sign-in:${sha256(state)}`;
}

function random(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

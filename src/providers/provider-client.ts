import { Injectable } from '@nestjs/common';
import { jsonObject, OutboundError, OutboundHttp } from './outbound-http.js';
import { ProviderCircuits } from './provider-circuits.js';
import type { Provider } from './provider.entity.js';
import { ProvidersService } from './providers.service.js';

/** A provider's answer about a token: its claims, or that it is not valid. */
export type TokenAnswer = { active: true; claims: Record<string, unknown> } | { active: false };

const INACTIVE: TokenAnswer = { active: false };

/** The token endpoint answered, and refused the code (RFC 6749 §5.2): not an outage. */
export class TokenEndpointRefusal extends OutboundError {
  override name = 'TokenEndpointRefusal';
}

/**
 * Calls a provider's endpoints, through the outbound rules (and, for decisions, its circuit breaker). "Not valid" is an answer; a provider
 * that cannot be reached or answers nonsense throws, and the caller fails closed.
 */
@Injectable()
export class ProviderClient {
  constructor(
    private readonly outbound: OutboundHttp,
    private readonly providers: ProvidersService,
    private readonly circuits: ProviderCircuits,
  ) {}

  /** OpenID Connect userinfo (or GitHub's user API): 200 with claims, 401/403 for a bad token. */
  async userinfo(provider: Provider, token: string): Promise<TokenAnswer> {
    const url = provider.userinfoEndpoint!;
    const response = await this.circuits
      .for(provider.id)
      .get(url, { authorization: `Bearer ${token}` });
    if (response.status === 401 || response.status === 403) return INACTIVE;
    if (response.status !== 200) throw new OutboundError(`${url} answered HTTP ${response.status}`);
    return { active: true, claims: jsonObject(response, url) };
  }

  /** RFC 7662 introspection, as the provider's client (client_secret_basic). */
  async introspect(provider: Provider, token: string): Promise<TokenAnswer> {
    const url = provider.introspectionEndpoint!;
    const response = await this.circuits
      .for(provider.id)
      .postForm(
        url,
        { token, token_type_hint: 'access_token' },
        { authorization: this.clientAuthorization(provider) },
      );
    if (response.status !== 200) throw new OutboundError(`${url} answered HTTP ${response.status}`);
    const answer = jsonObject(response, url);
    if (answer.active !== true) return INACTIVE;
    return { active: true, claims: answer };
  }

  /** Trades an authorization code (with its PKCE verifier) for tokens. */
  async exchangeCode(
    provider: Provider,
    code: string,
    verifier: string,
    redirectUri: string,
  ): Promise<Record<string, unknown>> {
    const url = provider.tokenEndpoint!;
    const response = await this.outbound.postForm(
      url,
      {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: redirectUri,
      },
      { authorization: this.clientAuthorization(provider) },
    );
    if (response.status >= 500) throw new OutboundError(`${url} answered HTTP ${response.status}`);
    const answer = jsonObject(response, url);
    if (response.status !== 200) {
      const error = typeof answer.error === 'string' ? answer.error : `HTTP ${response.status}`;
      throw new TokenEndpointRefusal(`The token endpoint refused the code: ${error}`);
    }
    return answer;
  }

  /** RFC 6749 §2.3.1: client id and secret, form-encoded, as HTTP Basic. */
  private clientAuthorization(provider: Provider): string {
    const secret = this.providers.clientSecretOf(provider) ?? '';
    const pair = `${encodeURIComponent(provider.clientId)}:${encodeURIComponent(secret)}`;
    return `Basic ${Buffer.from(pair).toString('base64')}`;
  }
}

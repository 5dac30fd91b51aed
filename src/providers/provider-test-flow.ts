import { Injectable, NotFoundException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { DataSource } from 'typeorm';
import { SharedStore } from '../cache/shared-store.js';
import { PROBLEM_TYPES, ProblemException } from '../common/problem.js';
import { authorizationUrl } from './authorization-request.js';
import { flattenClaims } from './claims.js';
import { OutboundError } from './outbound-http.js';
import { ProviderClient, type TokenAnswer } from './provider-client.js';
import { Provider } from './provider.entity.js';
import { ProvidersService } from './providers.service.js';
import type { AttributeDto, AttributesDto } from './provider-test-flow.dto.js';

const FLOW_TTL_MS = 10 * 60 * 1000;

interface PendingFlow {
  providerId: string;
  verifier: string;
  nonce: string;
}

/**
 * The flow an admin uses to see what a provider says about a user, and so choose the username
 * attribute: an authorization-code login with PKCE (started here, finished at the callback), or a
 * pasted access token. Either way the answer is every attribute seen, as dotted paths with values,
 * and the paths are kept so that a later username attribute can be checked against them.
 * Pending logins live in the shared store (any instance may get the callback) and serve once.
 */
@Injectable()
export class ProviderTestFlow {
  constructor(
    private readonly dataSource: DataSource,
    private readonly providers: ProvidersService,
    private readonly client: ProviderClient,
    private readonly store: SharedStore,
  ) {}

  /** The provider's authorization URL for a test login. */
  async start(id: string): Promise<string> {
    const provider = await this.find(id);
    if (provider.authorizationEndpoint === null || provider.tokenEndpoint === null) {
      throw unusable('needs an authorization and a token endpoint for a test login');
    }
    const state = randomBytes(24).toString('base64url');
    const flow: PendingFlow = {
      providerId: id,
      verifier: randomBytes(32).toString('base64url'),
      nonce: randomBytes(16).toString('base64url'),
    };
    await this.store.setUnlessMarked(
      `flow:${state}`,
      `flow-used:${state}`,
      JSON.stringify(flow),
      FLOW_TTL_MS,
    );
    return authorizationUrl(provider, {
      redirectUri: this.providers.redirectUri(id),
      state,
      nonce: flow.nonce,
      verifier: flow.verifier,
    });
  }

  /** Finishes a test login: the code for tokens, then every attribute the provider gave. */
  async finish(
    id: string,
    query: { code?: string; state?: string; error?: string },
  ): Promise<AttributesDto> {
    if (query.error !== undefined) {
      throw new ProblemException(400, `The provider refused the login: ${query.error}`, {
        type: PROBLEM_TYPES.providerFlow,
        title: 'Test login failed',
      });
    }
    const key = `flow:${query.state ?? ''}`;
    const [stored] = await this.store.getMany([key]);
    const flow = stored === undefined ? undefined : (JSON.parse(stored) as PendingFlow);
    if (flow === undefined || flow.providerId !== id || !query.code) {
      throw new ProblemException(400, 'Unknown, used or expired test login: start a new one', {
        type: PROBLEM_TYPES.providerFlow,
        title: 'Test login failed',
      });
    }
    await this.store.deleteAndMark([key], [`flow-used:${query.state}`], FLOW_TTL_MS);
    const provider = await this.find(id);
    const tokens = await this.call(() =>
      this.client.exchangeCode(
        provider,
        query.code!,
        flow.verifier,
        this.providers.redirectUri(id),
      ),
    );
    const attributes: AttributeDto[] = [];
    if (typeof tokens.id_token === 'string')
      attributes.push(...decoded(tokens.id_token, 'id_token'));
    if (typeof tokens.access_token === 'string') {
      attributes.push(...decoded(tokens.access_token, 'access_token'));
      if (provider.userinfoEndpoint !== null) {
        const answer = await this.call(() =>
          this.client.userinfo(provider, tokens.access_token as string),
        );
        if (answer.active) attributes.push(...listed(answer.claims, 'userinfo'));
      }
    }
    return this.remember(provider, attributes);
  }

  /**
   * The attributes a pasted access token carries, from the provider (and the token if a JWT). A
   * JWT's own claims are worth showing even when the provider cannot be asked (a wrong userinfo
   * URL answering 404, say): the failure is then a note beside them, not the whole answer. A token
   * the provider refuses is refused here too, and an opaque one needs the provider to answer.
   */
  async preview(id: string, token: string): Promise<AttributesDto> {
    const provider = await this.find(id);
    const attributes = decoded(token, 'access_token');
    const asks: [AttributeDto['source'], () => Promise<TokenAnswer>][] = [];
    if (provider.userinfoEndpoint !== null) {
      asks.push(['userinfo', () => this.client.userinfo(provider, token)]);
    }
    if (provider.introspectionEndpoint !== null && provider.clientSecretSealed !== null) {
      asks.push(['introspection', () => this.client.introspect(provider, token)]);
    }
    const notes: string[] = [];
    let accepted = false;
    let refused = false;
    for (const [source, ask] of asks) {
      let answer: TokenAnswer;
      try {
        answer = await ask();
      } catch (error) {
        if (!(error instanceof OutboundError)) throw error;
        // Without a JWT's own claims there is nothing else to show: the failure is the answer.
        if (attributes.length === 0) throw unreachable(error);
        notes.push(`${source} could not be asked (${error.message}): not shown`);
        continue;
      }
      if (answer.active) attributes.push(...listed(answer.claims, source));
      accepted ||= answer.active;
      refused ||= !answer.active;
    }
    if (!accepted && (refused || attributes.length === 0)) {
      throw new ProblemException(
        400,
        'The provider does not accept this token (inactive or expired)',
        {
          type: PROBLEM_TYPES.providerFlow,
          title: 'Token not accepted',
        },
      );
    }
    if (asks.length === 0) {
      notes.push('The provider has no userinfo or introspection endpoint: only the token is read');
    }
    return this.remember(provider, attributes, notes);
  }

  private async remember(
    provider: Provider,
    attributes: AttributeDto[],
    notes: string[] = [],
  ): Promise<AttributesDto> {
    const paths = [...new Set(attributes.map((a) => a.path))];
    await this.dataSource
      .getRepository(Provider)
      .update({ id: provider.id }, { lastAttributes: paths });
    const current = attributes.find((a) => a.path === provider.usernameAttribute);
    return {
      providerId: provider.id,
      usernameAttribute: provider.usernameAttribute,
      usernameValue: current === undefined ? null : String(current.value),
      attributes,
      notes,
    };
  }

  /** A provider's failure, told to the admin as a 502 problem (it is not their request's fault). */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      throw unreachable(error);
    }
  }

  private async find(id: string): Promise<Provider> {
    const provider = await this.dataSource.getRepository(Provider).findOneBy({ id });
    if (!provider) throw new NotFoundException(`No provider with id ${id}`);
    return provider;
  }
}

/** The claims of a JWT (unverified: shown to the admin, never trusted for a decision). */
function decoded(token: string, source: AttributeDto['source']): AttributeDto[] {
  try {
    return listed(decodeJwt(token) as Record<string, unknown>, source);
  } catch {
    return [];
  }
}

function listed(claims: Record<string, unknown>, source: AttributeDto['source']): AttributeDto[] {
  return flattenClaims(claims).map(({ path, value }) => ({ path, value, source }));
}

function unreachable(error: OutboundError): ProblemException {
  return new ProblemException(502, `The provider could not be asked: ${error.message}`, {
    type: PROBLEM_TYPES.providerFlow,
    title: 'Provider unreachable',
  });
}

function unusable(detail: string): ProblemException {
  return new ProblemException(400, `The provider ${detail}`, {
    type: PROBLEM_TYPES.providerFlow,
    title: 'Test login not possible',
  });
}

import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiConsumes,
  ApiExcludeEndpoint,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config.js';
import { extractCredential } from '../../core/credential.js';
import type { Identity } from '../../core/identity.js';
import { ProviderTokens } from '../../providers/provider-tokens.js';
import { IntrospectionClientsService } from '../../introspection/introspection-clients.service.js';
import { ApiKeyAuthenticator } from '../../keys/api-key-authenticator.js';
import { looksLikeKey } from '../../keys/key-format.js';
import type { KeyRecord } from '../../keys/key-record.js';
import { CallerAttempts } from '../../limits/caller-attempts.js';
import type { Limited } from '../../limits/failed-attempt-limiter.js';
import { QuotaBuckets } from '../../limits/quota-buckets.js';
import { authorizationHeaders } from '../http-request.js';

export class IntrospectionResponseDto {
  @ApiProperty()
  active: boolean;
  @ApiPropertyOptional({ description: "The owner's user id" })
  sub?: string;
  @ApiPropertyOptional()
  username?: string;
  @ApiPropertyOptional({ enum: ['bearer', 'basic'] })
  token_type?: string;
  @ApiPropertyOptional({ description: 'The key id' })
  client_id?: string;
  @ApiPropertyOptional({ description: 'Expiry, seconds since the epoch (absent: never)' })
  exp?: number;
  @ApiPropertyOptional({ description: 'Issue time, seconds since the epoch' })
  iat?: number;
  @ApiPropertyOptional({ description: 'Portcullis for its keys; the provider for its tokens' })
  iss?: string;
  @ApiPropertyOptional({ description: 'The scopes of the key or token, space-separated' })
  scope?: string;
}

const INACTIVE = '{"active":false}';

/**
 * RFC 7662 token introspection. Callers authenticate as a registered client (HTTP Basic
 * client_id:secret) or with a Portcullis key of a member of the introspectors group (or admins).
 * Anything that cannot be used (unknown, malformed, expired, revoked, owner disabled) is exactly
 * {"active":false}, with no reason. Errors use the OAuth form: {"error": "..."}. Failed caller
 * authentications count towards the failed-attempt limits; over them, 429 `rate_limited`. Each
 * caller may introspect at most INTROSPECTION_RATE_LIMIT tokens (RFC 7662 §4: token scanning);
 * beyond it, 429 `rate_limited` with Retry-After.
 */
@Controller('oauth2/introspect')
@ApiTags('decisions')
export class IntrospectionController {
  private readonly issuer: string;

  constructor(
    private readonly config: AppConfig,
    private readonly clients: IntrospectionClientsService,
    private readonly keys: ApiKeyAuthenticator,
    private readonly providerTokens: ProviderTokens,
    private readonly attempts: CallerAttempts,
    private readonly quotas: QuotaBuckets,
  ) {
    this.issuer = config.publicUrl ?? 'urn:portcullis';
  }

  /**
   * RFC 7662 §2.1 lets a server refuse GET, and it must: a token in a URL ends up in access logs
   * and browser history. 405 names the method to use, and the answer never repeats the token.
   */
  @Get()
  @ApiExcludeEndpoint()
  refuseGet(@Res() reply: FastifyReply): void {
    void reply
      .code(405)
      .header('allow', 'POST')
      .header('content-type', 'application/json')
      .header('cache-control', 'no-store')
      .send(
        JSON.stringify({
          error: 'invalid_request',
          error_description: 'Use POST with the token in an application/x-www-form-urlencoded body',
        }),
      );
  }

  @Post()
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiOperation({
    summary: 'RFC 7662 token introspection',
    description:
      'Form fields: `token` (required), `token_type_hint` (ignored: every kind is searched). ' +
      'Authenticate as a registered introspection client (Basic client_id:secret) or with a ' +
      'Portcullis key of a member of the introspectors group.',
  })
  @ApiOkResponse({ type: IntrospectionResponseDto })
  async introspect(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const attempt = this.attempts.of(request);
    const limited = this.attempts.screen(attempt);
    if (limited !== undefined) return tooMany(reply, limited, 'Too many failed authentications');
    const caller = await this.caller(request);
    if (caller === undefined) {
      const over = await this.attempts.failed(attempt);
      if (over !== undefined) return tooMany(reply, over, 'Too many failed authentications');
      void reply
        .code(401)
        .header('www-authenticate', `Basic realm="${this.config.realm}", charset="UTF-8"`)
        .header('content-type', 'application/json')
        .header('cache-control', 'no-store')
        .send(
          JSON.stringify({
            error: 'invalid_client',
            error_description: 'Caller authentication failed',
          }),
        );
      return;
    }
    const rate = this.config.limits.introspectionRate;
    if (rate !== undefined) {
      const waitMs = this.quotas.take([{ subject: `introspect:${caller}`, rate }]);
      if (waitMs > 0) {
        return tooMany(
          reply,
          { retryAfterSeconds: Math.ceil(waitMs / 1000) },
          'Too many introspection requests',
        );
      }
    }
    const form = request.body instanceof URLSearchParams ? request.body : undefined;
    const tokens = form?.getAll('token') ?? [];
    if (tokens.length !== 1 || tokens[0] === '') {
      void reply
        .code(400)
        .header('content-type', 'application/json')
        .header('cache-control', 'no-store')
        .send(
          JSON.stringify({
            error: 'invalid_request',
            error_description:
              'Send exactly one token, form-encoded (application/x-www-form-urlencoded)',
          }),
        );
      return;
    }
    const token = tokens[0]!;
    let answer: string;
    if (looksLikeKey(token)) {
      const record = token.length <= 512 ? await this.keys.record(token) : undefined;
      answer =
        record && isUsable(record, Date.now()) ? JSON.stringify(this.describe(record)) : INACTIVE;
    } else {
      let identity: Identity | undefined;
      try {
        identity = await this.providerTokens.identify(token);
      } catch {
        // The provider could not be asked: not known to be inactive, so no answer at all.
        void reply
          .code(503)
          .header('content-type', 'application/json')
          .header('cache-control', 'no-store')
          .header('retry-after', '5')
          .send(
            JSON.stringify({
              error: 'temporarily_unavailable',
              error_description: 'The token’s provider could not be reached',
            }),
          );
        return;
      }
      answer = identity ? JSON.stringify(describeProviderToken(identity)) : INACTIVE;
    }
    void reply
      .code(200)
      .header('content-type', 'application/json')
      .header('cache-control', 'no-store')
      .send(answer);
  }

  private describe(record: KeyRecord): IntrospectionResponseDto {
    return {
      active: true,
      sub: record.userId,
      username: record.username,
      token_type: record.type,
      client_id: record.keyId,
      ...(record.scopes.length > 0 && { scope: record.scopes.join(' ') }),
      ...(record.expiresAt !== null && { exp: Math.floor(record.expiresAt / 1000) }),
      iat: Math.floor(record.createdAt / 1000),
      iss: this.issuer,
    };
  }

  /**
   * The authenticated, authorised caller (`client:<client id>` or `key:<key id>`), or undefined
   * when it is neither.
   */
  private async caller(request: FastifyRequest): Promise<string | undefined> {
    const credential = extractCredential(authorizationHeaders(request.raw));
    if (credential.kind === 'basic' && !looksLikeKey(credential.password)) {
      // RFC 6749 §2.3.1: client credentials are form-urlencoded before Basic encoding.
      const decode = (s: string) => {
        try {
          return decodeURIComponent(s.replace(/\+/g, ' '));
        } catch {
          return s;
        }
      };
      const clientId = decode(credential.username);
      const known = await this.clients.verify(clientId, decode(credential.password));
      return known ? `client:${clientId}` : undefined;
    }
    const check =
      credential.kind === 'basic'
        ? await this.keys.basic(credential.username, credential.password)
        : credential.kind === 'bearer' && looksLikeKey(credential.token)
          ? await this.keys.bearer(credential.token)
          : undefined;
    if (!check?.ok) return undefined;
    const allowed = new Set(
      [this.config.introspectorsGroup, this.config.adminGroup].map((g) => g.toLowerCase()),
    );
    return check.identity.groups.some((g) => allowed.has(g.toLowerCase()))
      ? `key:${check.identity.credential.keyId}`
      : undefined;
  }
}

/** 429 in OAuth's error form, with Retry-After. */
function tooMany(reply: FastifyReply, limited: Limited, description: string): void {
  void reply
    .code(429)
    .header('content-type', 'application/json')
    .header('cache-control', 'no-store')
    .header('retry-after', String(limited.retryAfterSeconds))
    .send(JSON.stringify({ error: 'rate_limited', error_description: description }));
}

/** A provider token as RFC 7662 describes it: the provider's subject, our username. */
function describeProviderToken(identity: Identity): IntrospectionResponseDto {
  const token = identity.token;
  return {
    active: true,
    sub: token?.subject ?? identity.userId,
    username: identity.username,
    token_type: 'Bearer',
    ...(token?.clientId !== undefined && { client_id: token.clientId }),
    // The scopes as rules read them (the provider's scope claim), else the token's own `scope`.
    ...(identity.scopes !== undefined && identity.scopes.length > 0
      ? { scope: identity.scopes.join(' ') }
      : token?.scope !== undefined && { scope: token.scope }),
    ...(identity.expiresAt !== null && { exp: Math.floor(identity.expiresAt / 1000) }),
    iat: Math.floor(identity.issuedAt / 1000),
    ...(token?.issuer ? { iss: token.issuer } : {}),
  };
}

function isUsable(record: KeyRecord, now: number): boolean {
  return (
    record.revokedAt === null &&
    !record.disabled &&
    (record.expiresAt === null || record.expiresAt > now)
  );
}

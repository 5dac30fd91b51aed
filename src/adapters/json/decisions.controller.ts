import { Body, Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import {
  ApiBasicAuth,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DecisionClientGuard } from '../../auth/admin.guard.js';
import { ApiProblems } from '../../common/api-problems.decorator.js';
import { PROBLEM_TYPES, ProblemException } from '../../common/problem.js';
import { AppConfig } from '../../config/app-config.js';
import { normaliseIp } from '../../core/client-ip.js';
import { DecisionPipeline } from '../../decision/decision-pipeline.js';
import { proxyRequestId } from '../../common/request-id.js';
import { forUri } from '../../core/decision-request.js';
import type { Decision } from '../../core/decision.js';
import { IdentityHeaders } from '../../decision/identity-headers.js';
import { SettingsService } from '../../settings/settings.service.js';
import { Challenges } from '../challenge.js';
import { DecisionDto, DecisionQueryDto } from './decisions.dto.js';

/** The JSON decision API, for services that check requests themselves. */
@Controller('v1/decisions')
@ApiTags('decisions')
@ApiBearerAuth('key')
@ApiBasicAuth('basicKey')
@UseGuards(DecisionClientGuard)
export class DecisionsController {
  private readonly challenges: Challenges;

  constructor(
    private readonly pipeline: DecisionPipeline,
    private readonly settings: SettingsService,
    config: AppConfig,
  ) {
    this.challenges = new Challenges(config.realm);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Decide on a request described in JSON',
    description:
      'For members of the decision clients group (and admins). Give the request (method, path, ' +
      'host, ip, headers) or just a credential. Allowed and refused requests both answer 200 with ' +
      'the decision; 503 means it could not be decided, 429 (with Retry-After) that the request ' +
      'is over a rate limit or quota (reason `rate_limited` or `quota_exceeded`).',
  })
  @ApiOkResponse({ type: DecisionDto })
  @ApiServiceUnavailableResponse({ type: DecisionDto })
  @ApiTooManyRequestsResponse({ type: DecisionDto })
  @ApiProblems(400, 401, 403)
  async decide(
    @Body() body: DecisionQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DecisionDto> {
    const headers = Object.fromEntries(
      Object.entries(body.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    );
    if (body.credential !== undefined && headers.authorization !== undefined) {
      throw new ProblemException(400, 'Give either credential or headers.authorization, not both', {
        type: PROBLEM_TYPES.validation,
        errors: [
          { pointer: '#/credential', detail: 'must not be given with headers.authorization' },
        ],
      });
    }
    const authorization =
      body.credential !== undefined ? `Bearer ${body.credential}` : headers.authorization;
    const request = forUri(body.path ?? '/', {
      interface: 'json',
      method: (body.method ?? 'GET').toUpperCase(),
      host: (body.host ?? headers.host ?? '').toLowerCase(),
      clientIp: body.ip === undefined ? '' : (normaliseIp(body.ip) ?? ''),
      authorization: authorization === undefined ? [] : [authorization],
      // The described request's own id, else this call's (echoed in X-Request-Id).
      requestId: proxyRequestId(headers['x-request-id']) ?? reply.request.id,
      ruleSet: body.ruleSet ?? null,
    });
    const { decision, trace } = body.explain
      ? await this.pipeline.explain(request)
      : { decision: await this.pipeline.decide(request), trace: undefined };
    if (decision.status === 503) void reply.status(503);
    if (decision.status === 429) {
      void reply.status(429).header('retry-after', String(decision.retryAfter));
    }
    return { ...this.toDto(decision), ...(trace !== undefined && { trace }) };
  }

  private toDto(decision: Decision): DecisionDto {
    const identity = decision.identity;
    return {
      allowed: decision.allowed,
      status: decision.status,
      reason: decision.reason,
      verifier: decision.verifier,
      rule: decision.rule,
      identity: identity && {
        userId: identity.userId,
        username: identity.username,
        email: identity.email,
        displayName: identity.displayName,
        groups: identity.groups,
        credential: {
          kind: identity.credential.kind,
          keyId: identity.credential.keyId,
          type: identity.credential.type,
        },
        expiresAt: identity.expiresAt === null ? null : new Date(identity.expiresAt).toISOString(),
      },
      headers: decision.allowed
        ? IdentityHeaders.of(this.settings.current().identityHeaderStyle).forAllowed(decision)
        : {},
      wwwAuthenticate: this.challenges.for(decision) ?? null,
    };
  }
}

import { All, Controller, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config.js';
import { DecisionPipeline } from '../../decision/decision-pipeline.js';
import { IdentityHeaders } from '../../decision/identity-headers.js';
import { SettingsService } from '../../settings/settings.service.js';
import { Challenges } from '../challenge.js';
import { decisionRequest, firstHeader } from '../http-request.js';

/**
 * nginx `auth_request`. nginx sends a GET with the client's headers and the original request in
 * X-Original-URI / X-Original-Method (or X-Forwarded-Uri / -Method / -Host). nginx accepts only
 * 2xx, 401 and 403 from here and turns anything else into a 500, so "could not decide" is answered
 * as 403 with `X-Auth-Reason: unavailable`: refused, never allowed.
 */
@Controller('v1/authz/nginx')
@ApiTags('decisions')
export class NginxAuthzController {
  private readonly challenges: Challenges;

  constructor(
    private readonly pipeline: DecisionPipeline,
    private readonly settings: SettingsService,
    config: AppConfig,
  ) {
    this.challenges = new Challenges(config.realm);
  }

  @All()
  @ApiOperation({
    summary: 'nginx auth_request: 200 allows (with identity headers), 401 or 403 refuses',
    description:
      'The original request comes from X-Original-URI and X-Original-Method (or X-Forwarded-Uri, ' +
      'X-Forwarded-Method, X-Forwarded-Host). A refusal carries X-Auth-Reason; a 401 carries ' +
      'WWW-Authenticate. When the decision cannot be made (database down, key not cached), the ' +
      'answer is 403 with X-Auth-Reason: unavailable, because nginx turns any other status into 500.',
  })
  @ApiResponse({ status: 200, description: 'Allowed; identity headers set' })
  @ApiResponse({ status: 401, description: 'No valid credential' })
  @ApiResponse({ status: 403, description: 'Refused by policy, or could not decide' })
  async authorize(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const h = request.headers;
    const decision = await this.pipeline.decide(
      decisionRequest(
        request,
        'nginx',
        {
          method:
            firstHeader(h, 'x-original-method') ?? firstHeader(h, 'x-forwarded-method') ?? 'GET',
          uri: firstHeader(h, 'x-original-uri') ?? firstHeader(h, 'x-forwarded-uri') ?? '',
          host: firstHeader(h, 'x-forwarded-host') ?? h.host,
        },
        this.settings.trustedProxies(),
      ),
    );
    if (decision.allowed) {
      const headers = decision.identity
        ? IdentityHeaders.of(this.settings.current().identityHeaderStyle).for(decision.identity)
        : {};
      void reply.code(200).headers(headers).send();
      return;
    }
    const challenge = this.challenges.for(decision);
    if (challenge !== undefined) void reply.header('www-authenticate', challenge);
    void reply
      .code(decision.status === 503 ? 403 : decision.status)
      .header('x-auth-reason', decision.reason)
      .send();
  }
}

import { All, Controller, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config.js';
import { DecisionPipeline } from '../../decision/decision-pipeline.js';
import { IdentityHeaders } from '../../decision/identity-headers.js';
import { SettingsService } from '../../settings/settings.service.js';
import { Challenges } from '../challenge.js';
import { decisionRequest } from '../http-request.js';

const PREFIX = '/v1/authz/envoy';

/**
 * Envoy ext_authz in HTTP mode (`path_prefix: /v1/authz/envoy`): Envoy sends the original method,
 * with the original path and query appended to the prefix. 200 allows and carries the identity
 * headers (list them in `allowed_upstream_headers`); identity headers it does not set (all of them
 * for an anonymous request) Envoy is asked to drop (`x-envoy-auth-headers-to-remove`), so a client
 * cannot send its own. A refusal
 * carries its own status, WWW-Authenticate and a small JSON body; "could not decide" is a 503,
 * which Envoy treats as an error and refuses (403) unless `failure_mode_allow` is set.
 */
@Controller(PREFIX)
@ApiTags('decisions')
export class EnvoyAuthzController {
  private readonly challenges: Challenges;

  constructor(
    private readonly pipeline: DecisionPipeline,
    private readonly settings: SettingsService,
    config: AppConfig,
  ) {
    this.challenges = new Challenges(config.realm);
  }

  /** The prefix itself (original path "/"); documented with the wildcard route below. */
  @All()
  @ApiExcludeEndpoint()
  authorizeRoot(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.authorize(request, reply);
  }

  @All('*')
  @ApiParam({
    name: 'path',
    type: String,
    description: 'The original path and query, after the prefix',
  })
  @ApiOperation({
    summary: 'Envoy ext_authz (HTTP service): the original path follows the prefix',
  })
  @ApiResponse({ status: 200, description: 'Allowed; identity headers set' })
  @ApiResponse({ status: 401, description: 'No valid credential' })
  @ApiResponse({ status: 403, description: 'Refused by policy' })
  @ApiResponse({ status: 503, description: 'Could not decide (Envoy refuses the request)' })
  async authorize(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const uri = request.url.slice(PREFIX.length) || '/';
    const decision = await this.pipeline.decide(
      decisionRequest(
        request,
        'envoy-http',
        { method: request.method, uri, host: request.headers.host },
        this.settings.trustedProxies(),
      ),
    );
    const style = IdentityHeaders.of(this.settings.current().identityHeaderStyle);
    if (decision.allowed) {
      const headers = decision.identity ? style.for(decision.identity) : {};
      const absent = style.absentFrom(headers);
      if (absent.length > 0) void reply.header('x-envoy-auth-headers-to-remove', absent.join(','));
      void reply.code(200).headers(headers).send();
      return;
    }
    const challenge = this.challenges.for(decision);
    if (challenge !== undefined) void reply.header('www-authenticate', challenge);
    void reply
      .code(decision.status)
      .header('x-auth-reason', decision.reason)
      .header('content-type', 'application/json')
      .send(JSON.stringify({ status: decision.status, reason: decision.reason }));
  }
}

import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '../../config/app-config.js';
import { DecisionPipeline } from '../../decision/decision-pipeline.js';
import type { Decision } from '../../core/decision.js';
import { IdentityHeaders } from '../../decision/identity-headers.js';
import { isPromise } from '../../core/maybe-promise.js';
import { SettingsService } from '../../settings/settings.service.js';
import { AllowedAnswers, flatHeaders } from '../allowed-answers.js';
import { Challenges } from '../challenge.js';
import type { DecisionRoute } from '../decision-server.js';
import { namedDecisionRequest, proxyTrust, type ProxyTrust } from '../http-request.js';
import { UntrustedForwarders } from '../untrusted-forwarders.js';

export const NGINX_AUTHZ_PATH = '/v1/authz/nginx';

/**
 * nginx `auth_request`. nginx sends a GET with the client's headers and the original request in
 * X-Original-URI / X-Original-Method (or X-Forwarded-Uri / -Method), the host in X-Forwarded-Host
 * or Host. Headers that disagree, or name the request twice, refuse it (see readOriginalRequest);
 * Caddy and Traefik belong on /v1/authz/forward. nginx accepts only
 * 2xx, 401 and 403 from here and turns anything else into a 500, so "could not decide" is answered
 * as 403 with `X-Auth-Reason: unavailable`: refused, never allowed. Likewise a rate limit or quota
 * (429 elsewhere) is a 403 with `X-Auth-Reason: rate_limited` or `quota_exceeded` and a
 * `Retry-After`, which the nginx example passes on to the client.
 */
@Injectable()
export class NginxAuthzHandler {
  private readonly challenges: Challenges;
  private readonly proxies: ProxyTrust;
  private readonly allowed = new AllowedAnswers((_style, upstream) =>
    flatHeaders(upstream, 'content-length', '0'),
  );

  constructor(
    private readonly pipeline: DecisionPipeline,
    private readonly settings: SettingsService,
    untrusted: UntrustedForwarders,
    config: AppConfig,
  ) {
    this.challenges = new Challenges(config.realm);
    this.proxies = proxyTrust(settings, untrusted);
  }

  /** Answers at once when the decision was made at once (a cached key), else when it is made. */
  handle(
    request: IncomingMessage,
    response: ServerResponse,
    route: DecisionRoute,
  ): void | Promise<void> {
    const decision = this.pipeline.decide(
      namedDecisionRequest(request, 'nginx', 'original-or-forwarded', this.proxies, route.ruleSet),
    );
    if (isPromise(decision)) return decision.then((settled) => this.answer(response, settled));
    this.answer(response, decision);
  }

  private answer(response: ServerResponse, decision: Decision): void {
    if (decision.allowed) {
      const style = IdentityHeaders.of(this.settings.current().identityHeaderStyle);
      response.writeHead(200, this.allowed.for(style, decision) as string[]);
      response.end();
      return;
    }
    const challenge = this.challenges.for(decision);
    const status = decision.status === 401 ? 401 : 403;
    response.writeHead(status, {
      'content-length': '0',
      'x-auth-reason': decision.reason,
      ...(challenge !== undefined && { 'www-authenticate': challenge }),
      // auth_request passes WWW-Authenticate on by itself for a 401 only: a 403's challenge
      // (insufficient_scope) travels in this header, which the example config turns back into one.
      ...(challenge !== undefined && status === 403 && { 'x-auth-challenge': challenge }),
      ...(decision.retryAfter !== null && { 'retry-after': String(decision.retryAfter) }),
    });
    response.end();
  }
}

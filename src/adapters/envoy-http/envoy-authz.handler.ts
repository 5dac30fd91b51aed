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
import { decisionRequest, proxyTrust, type ProxyTrust } from '../http-request.js';
import { UntrustedForwarders } from '../untrusted-forwarders.js';
import { writeRefusal } from '../refusal-answer.js';

export const ENVOY_AUTHZ_PREFIX = '/v1/authz/envoy';

/**
 * Envoy ext_authz in HTTP mode (`path_prefix: /v1/authz/envoy`): Envoy sends the original method,
 * with the original path and query appended to the prefix. 200 allows and carries the identity
 * headers (list them in `allowed_upstream_headers`); identity headers it does not set (all of them
 * for an anonymous request) Envoy is asked to drop (`x-envoy-auth-headers-to-remove`), so a client
 * cannot send its own. A refusal carries its own status, WWW-Authenticate and a small JSON body;
 * "could not decide" is a 503, which Envoy treats as an error and refuses (403) unless
 * `failure_mode_allow` is set. A rate limit or quota is a 429 with Retry-After, which Envoy passes
 * to the client. Any request body is ignored, never parsed.
 */
@Injectable()
export class EnvoyAuthzHandler {
  private readonly challenges: Challenges;
  private readonly proxies: ProxyTrust;
  /** Identity headers the answer does not set (all, for an anonymous request) Envoy removes. */
  private readonly allowed = new AllowedAnswers((style, upstream) => {
    const absent = style.absentFrom(upstream);
    return absent.length > 0
      ? flatHeaders(
          upstream,
          'x-envoy-auth-headers-to-remove',
          absent.join(','),
          'content-length',
          '0',
        )
      : flatHeaders(upstream, 'content-length', '0');
  });

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
    const uri = (request.url ?? '').slice(route.pathLength) || '/';
    const decision = this.pipeline.decide(
      decisionRequest(
        request,
        'envoy-http',
        {
          method: request.method ?? 'GET',
          uri: uri.startsWith('/') ? uri : `/${uri}`,
          host: request.headers.host,
        },
        this.proxies,
        route.ruleSet,
      ),
    );
    if (isPromise(decision)) return decision.then((settled) => this.answer(response, settled));
    this.answer(response, decision);
  }

  private answer(response: ServerResponse, decision: Decision): void {
    const style = IdentityHeaders.of(this.settings.current().identityHeaderStyle);
    if (decision.allowed) {
      response.writeHead(200, this.allowed.for(style, decision) as string[]);
      response.end();
      return;
    }
    writeRefusal(response, decision, this.challenges);
  }
}

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
import { writeRefusal } from '../refusal-answer.js';

export const FORWARD_AUTHZ_PATH = '/v1/authz/forward';

/**
 * Forward auth, as Caddy's `forward_auth` and Traefik's ForwardAuth ask it: a GET carrying every
 * header of the client's request, with the original request in X-Forwarded-Method, -Uri and -Host,
 * which these proxies set themselves. Only that set is read; an X-Original-* header (the client's,
 * since these proxies never set one) that disagrees with it, or any of them sent twice, refuses
 * the request as `ambiguous_request`.
 *
 * These proxies hand a refusal to the client as it is, so it carries its own status (401 with the
 * challenge, 403, 429 with Retry-After, 503 when it could not decide). An allowed answer carries
 * every identity header of the style, empty when the identity has no value for it: the proxy
 * copies each one over the client's own copy (Caddy's copy_headers would otherwise forward a
 * client's header, or an unresolved placeholder, when the answer left it out).
 */
@Injectable()
export class ForwardAuthzHandler {
  private readonly challenges: Challenges;
  private readonly proxies: ProxyTrust;
  private readonly allowed = new AllowedAnswers((style, upstream) => {
    const every: Record<string, string> = {};
    for (const name of style.names) every[name] = upstream[name] ?? '';
    return flatHeaders(every, 'content-length', '0');
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
    const decision = this.pipeline.decide(
      namedDecisionRequest(request, 'forward', 'forwarded', this.proxies, route.ruleSet),
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
    writeRefusal(response, decision, this.challenges);
  }
}

import type { IncomingMessage } from 'node:http';
import { proxyRequestId } from '../common/request-id.js';
import { normaliseIp, resolveClientIp, type IpRanges } from '../core/client-ip.js';
import { forUri, type DecisionInterface, type DecisionRequest } from '../core/decision-request.js';
import { readOriginalRequest, type HeaderContract } from './original-request.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { UntrustedForwarders } from './untrusted-forwarders.js';

/** The trustedProxies setting, and where to note a forwarding peer outside it. */
export interface ProxyTrust {
  readonly trusted: IpRanges;
  readonly untrusted: UntrustedForwarders;
}

/** One ProxyTrust per adapter, made once: `trusted` reads the current setting each time. */
export function proxyTrust(settings: SettingsService, untrusted: UntrustedForwarders): ProxyTrust {
  return {
    get trusted() {
      return settings.trustedProxies();
    },
    untrusted,
  };
}

/**
 * Every Authorization header the client sent. Node keeps only the first of duplicate Authorization
 * headers in `headers`, which would let an ambiguous request through as if it were clear, so the
 * raw header list is read instead.
 */
export function authorizationHeaders(request: IncomingMessage): string[] {
  const raw = request.rawHeaders;
  const found: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') found.push(raw[i + 1]!);
  }
  return found;
}

/**
 * A DecisionRequest for the request a proxy's auth call names in its headers (nginx auth_request,
 * Caddy forward_auth, Traefik ForwardAuth); refused at once when the headers are ambiguous.
 */
export function namedDecisionRequest(
  request: IncomingMessage,
  via: DecisionInterface,
  contract: HeaderContract,
  proxies: ProxyTrust,
  ruleSet: string | null,
): DecisionRequest {
  const reading = readOriginalRequest(request, contract);
  if (reading.refusal === null) {
    return decisionRequest(request, via, reading.original, proxies, ruleSet);
  }
  const { refusal, detail } = reading;
  return decisionRequest(
    request,
    via,
    { method: request.method ?? 'GET', uri: '', host: request.headers.host },
    proxies,
    ruleSet,
    { reason: refusal, detail },
  );
}

/**
 * A DecisionRequest for the original request described by a proxy's auth call, decided by the
 * rule set its endpoint names (null: the global list).
 */
export function decisionRequest(
  request: IncomingMessage,
  via: DecisionInterface,
  original: { method: string; uri: string; host: string | undefined },
  proxies: ProxyTrust,
  ruleSet: string | null,
  refusal: DecisionRequest['refusal'] = null,
): DecisionRequest {
  return forUri(original.uri, {
    refusal,
    ruleSet,
    interface: via,
    method: original.method.toUpperCase(),
    host: (original.host ?? '').toLowerCase(),
    clientIp: clientIpOf(request, proxies),
    authorization: authorizationHeaders(request),
    requestId: proxyRequestId(request.headers['x-request-id']),
  });
}

/**
 * The client's address (see resolveClientIp). X-Forwarded-For from a peer outside trustedProxies
 * is ignored, as it must be, and noted: it is usually a proxy nobody listed.
 */
function clientIpOf(request: IncomingMessage, proxies: ProxyTrust): string {
  const peer = request.socket.remoteAddress ?? '';
  const forwardedFor = request.headers['x-forwarded-for'];
  if (forwardedFor !== undefined) {
    const address = normaliseIp(peer) ?? peer;
    if (proxies.trusted.empty || !proxies.trusted.has(address)) proxies.untrusted.note(address);
  }
  return resolveClientIp(peer, forwardedFor, proxies.trusted);
}

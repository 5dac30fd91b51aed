import type { ServerResponse } from 'node:http';
import type { Decision } from '../core/decision.js';
import type { Challenges } from './challenge.js';

/**
 * A refusal for proxies that hand the auth service's answer to the client as it is (Envoy's HTTP
 * ext_authz, Caddy's forward_auth, Traefik's ForwardAuth): the decision's own status, its reason
 * in X-Auth-Reason, the 401 challenge, Retry-After on a limit, and a small JSON body.
 */
export function writeRefusal(
  response: ServerResponse,
  decision: Decision,
  challenges: Challenges,
): void {
  const challenge = challenges.for(decision);
  const body = JSON.stringify({ status: decision.status, reason: decision.reason });
  response.writeHead(decision.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-auth-reason': decision.reason,
    ...(challenge !== undefined && { 'www-authenticate': challenge }),
    ...(decision.retryAfter !== null && { 'retry-after': String(decision.retryAfter) }),
  });
  response.end(body);
}

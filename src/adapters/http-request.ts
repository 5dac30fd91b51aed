import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { resolveClientIp, type IpRanges } from '../decision/client-ip.js';
import type { DecisionInterface, DecisionRequest } from '../decision/decision-request.js';
import { normalisePath } from '../decision/path-normalizer.js';

/**
 * Every Authorization header the client sent. Node keeps only the first of duplicate Authorization
 * headers in `headers`, which would let an ambiguous request through as if it were clear, so the
 * raw header list is read instead.
 */
export function authorizationHeaders(request: FastifyRequest): string[] {
  const raw = request.raw.rawHeaders;
  const found: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') found.push(raw[i + 1]!);
  }
  return found;
}

export function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A DecisionRequest for the original request described by a proxy's auth call. */
export function decisionRequest(
  request: FastifyRequest,
  via: DecisionInterface,
  original: { method: string; uri: string; host: string | undefined },
  trustedProxies: IpRanges,
): DecisionRequest {
  const query = original.uri.search(/[?#]/);
  return {
    interface: via,
    method: original.method.toUpperCase(),
    rawPath: query >= 0 ? original.uri.slice(0, query) : original.uri,
    path: normalisePath(original.uri),
    host: (original.host ?? '').toLowerCase(),
    clientIp: resolveClientIp(
      request.raw.socket.remoteAddress ?? '',
      request.headers['x-forwarded-for'],
      trustedProxies,
    ),
    authorization: authorizationHeaders(request),
  };
}

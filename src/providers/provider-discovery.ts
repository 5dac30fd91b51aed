import { jsonObject, OutboundError, type OutboundHttp } from './outbound-http.js';
import type { ProviderEndpoints } from './provider-presets.js';

const FIELDS = {
  issuer: 'issuer',
  authorizationEndpoint: 'authorization_endpoint',
  tokenEndpoint: 'token_endpoint',
  userinfoEndpoint: 'userinfo_endpoint',
  jwksUri: 'jwks_uri',
  introspectionEndpoint: 'introspection_endpoint',
} as const;

/**
 * Reads an OpenID Provider's discovery document (OpenID Connect Discovery 1.0 §4). When the admin
 * named the issuer, the document must name the same one (§4.3), or tokens would be trusted from an
 * issuer the admin did not choose.
 */
export async function discover(
  outbound: OutboundHttp,
  url: string,
  expectedIssuer: string | null,
): Promise<{ endpoints: Partial<ProviderEndpoints>; document: Record<string, unknown> }> {
  const response = await outbound.get(url);
  if (response.status !== 200) throw new OutboundError(`${url} answered HTTP ${response.status}`);
  const document = jsonObject(response, url);
  const endpoints: Partial<ProviderEndpoints> = {};
  for (const [field, name] of Object.entries(FIELDS) as [keyof typeof FIELDS, string][]) {
    const value = document[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !/^https?:\/\//.test(value)) {
      throw new OutboundError(`${url}: ${name} is not a URL`);
    }
    endpoints[field] = value;
  }
  if (endpoints.issuer === undefined) throw new OutboundError(`${url} names no issuer`);
  if (expectedIssuer !== null && endpoints.issuer !== expectedIssuer) {
    throw new OutboundError(`${url} is for the issuer ${endpoints.issuer}, not ${expectedIssuer}`);
  }
  return { endpoints, document };
}

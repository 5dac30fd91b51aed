import { createHash } from 'node:crypto';
import type { Provider } from './provider.entity.js';

/** What one authorization-code login sends the browser with (and must check on its return). */
export interface AuthorizationRequest {
  redirectUri: string;
  state: string;
  nonce: string;
  /** The PKCE verifier: only its S256 challenge is sent. */
  verifier: string;
}

/**
 * The provider's authorization endpoint for an authorization-code login with PKCE (S256). Callers
 * have checked that the provider has an authorization endpoint.
 */
export function authorizationUrl(provider: Provider, request: AuthorizationRequest): string {
  const url = new URL(provider.authorizationEndpoint!);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', provider.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri);
  url.searchParams.set('scope', provider.scope);
  url.searchParams.set('state', request.state);
  url.searchParams.set('nonce', request.nonce);
  url.searchParams.set(
    'code_challenge',
    createHash('sha256').update(request.verifier).digest('base64url'),
  );
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

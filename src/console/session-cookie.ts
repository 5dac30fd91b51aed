import type { FastifyRequest } from 'fastify';
import { normaliseIp, type IpRanges } from '../core/client-ip.js';

/** The console's session cookie. Its value is a random id; the session itself is in the store. */
export const SESSION_COOKIE = 'portcullis_session';
/** The header that carries a session's CSRF token on every request that changes something. */
export const CSRF_HEADER = 'x-csrf-token';
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The value of one cookie in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    // Session ids are base64url: anything else is not ours, and is never decoded or echoed.
    return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/**
 * HttpOnly (scripts never see it), SameSite=Strict (never sent on cross-site requests), Path=/ (the
 * admin API is outside /console), Secure whenever the browser reached us over TLS.
 */
export function sessionCookie(value: string, maxAgeMs: number, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor(maxAgeMs / 1000));
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/** The cookie that ties a sign-in at an identity provider to the browser that started it. */
export const SIGN_IN_COOKIE = 'portcullis_signin';

/**
 * Sent only to the sign-in callback, and SameSite=Lax: the provider sends the browser back with a
 * cross-site top-level GET, on which a Strict cookie would be withheld. It holds a random value
 * whose hash the pending sign-in keeps, so a callback from another browser (login CSRF: someone
 * else's code and state) is refused.
 */
export function signInCookie(value: string, maxAgeMs: number, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor(maxAgeMs / 1000));
  return `${SIGN_IN_COOKIE}=${value}; Path=/console/session/oauth; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function clearedSignInCookie(secure: boolean): string {
  return signInCookie('', 0, secure);
}

/**
 * Whether the browser reached Portcullis over TLS: on the socket itself, or, when the peer is a
 * trusted proxy, as its X-Forwarded-Proto says; or always when PUBLIC_URL is https.
 */
export function cameOverTls(
  request: FastifyRequest,
  trustedProxies: IpRanges,
  publicUrl: string | undefined,
): boolean {
  if (publicUrl?.startsWith('https:')) return true;
  const socket = request.raw.socket as { encrypted?: boolean; remoteAddress?: string };
  if (socket.encrypted === true) return true;
  const peer = normaliseIp(socket.remoteAddress ?? '');
  if (peer === undefined || !trustedProxies.has(peer)) return false;
  const proto = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

/** A credential as found in the request, before anyone has checked it. */
export type Credential =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; username: string; password: string }
  /** An Authorization header that breaks its scheme's syntax (RFC 6750 §2.1, RFC 7617 §2). */
  | { kind: 'malformed'; scheme: 'bearer' | 'basic' | null }
  /** A well-formed header of a scheme no verifier speaks (Digest, Negotiate, ...). */
  | { kind: 'other'; scheme: string };

const MAX_HEADER_LENGTH = 8192;
const SCHEME_AND_VALUE = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?: +(.*))?$/;
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Control characters (C0 and DEL) are never valid in a user-id or password (RFC 7617 §2).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// ignoreBOM: a leading U+FEFF is part of the user-id as sent, not to be dropped silently.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Reads the Authorization header(s) of a request into a Credential, strictly. */
export function extractCredential(authorization: readonly string[]): Credential {
  if (authorization.length === 0) return { kind: 'none' };
  // Several Authorization headers: which one counts is ambiguous, so none does (RFC 6750 §2).
  if (authorization.length > 1) return { kind: 'malformed', scheme: null };
  const header = authorization[0]!.trim();
  if (header === '') return { kind: 'none' };
  if (header.length > MAX_HEADER_LENGTH) return { kind: 'malformed', scheme: null };
  const match = SCHEME_AND_VALUE.exec(header);
  if (!match) return { kind: 'malformed', scheme: null };
  const scheme = match[1]!.toLowerCase();
  const value = (match[2] ?? '').trim();
  if (scheme === 'bearer') {
    return B64TOKEN.test(value) ? { kind: 'bearer', token: value } : { kind: 'malformed', scheme };
  }
  if (scheme === 'basic') return parseBasic(value);
  return { kind: 'other', scheme };
}

function parseBasic(value: string): Credential {
  const malformed = { kind: 'malformed', scheme: 'basic' } as const;
  // Buffer.from(..., 'base64') silently skips invalid characters: check the alphabet first.
  if (value === '' || !BASE64.test(value)) return malformed;
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(value, 'base64'));
  } catch {
    return malformed;
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0 || CONTROL.test(decoded)) return malformed;
  return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

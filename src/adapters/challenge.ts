import type { Decision } from '../core/decision.js';

/**
 * WWW-Authenticate for a 401 (RFC 6750 §3, RFC 7617 §2): a request without credentials gets the
 * bare challenges; a refused bearer token gets `error="invalid_token"` (or `invalid_request` when
 * the header itself was malformed). Precomputed per realm: nothing is built per request, but for
 * a 403 `insufficient_scope`, which names the scopes the rule needs (RFC 6750 §3.1).
 */
export class Challenges {
  private readonly byKind: Record<string, string>;
  private readonly realm: string;

  constructor(realm: string) {
    const r = realm.replace(/["\\]/g, '');
    this.realm = r;
    const basic = `Basic realm="${r}", charset="UTF-8"`;
    this.byKind = {
      any: `Bearer realm="${r}", ${basic}`,
      basic,
      bearer: `Bearer realm="${r}", error="invalid_token"`,
      invalid_request: `Bearer realm="${r}", error="invalid_request"`,
    };
  }

  /** The bare Bearer and Basic challenges, for a request that brought no usable credential. */
  get any(): string {
    return this.byKind.any!;
  }

  for(decision: Decision): string | undefined {
    if (decision.reason === 'insufficient_scope') {
      // Scope tokens hold no quote or backslash (RFC 6749 §3.3; the rules API checks them).
      const scope = (decision.requiredScopes ?? []).join(' ');
      return `Bearer realm="${this.realm}", error="insufficient_scope", scope="${scope}"`;
    }
    if (decision.status !== 401 || decision.challenge === null) return undefined;
    return this.byKind[decision.challenge];
  }
}

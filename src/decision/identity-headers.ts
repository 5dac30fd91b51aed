import type { IdentityHeaderStyle } from '../settings/settings.entity.js';
import type { Decision } from '../core/decision.js';
import type { Identity } from '../core/identity.js';

type Field = 'user' | 'email' | 'groups' | 'credential' | 'name';

/** Header names per style, so existing upstreams (oauth2-proxy, Authelia, Kong users) work as is. */
const STYLES: Record<IdentityHeaderStyle, Partial<Record<Field, string>>> = {
  'x-auth': {
    user: 'x-auth-user',
    email: 'x-auth-email',
    groups: 'x-auth-groups',
    credential: 'x-auth-credential',
  },
  'oauth2-proxy': {
    user: 'x-auth-request-user',
    email: 'x-auth-request-email',
    groups: 'x-auth-request-groups',
  },
  authelia: {
    user: 'remote-user',
    email: 'remote-email',
    groups: 'remote-groups',
    name: 'remote-name',
  },
  kong: {
    user: 'x-consumer-username',
    credential: 'x-credential-identifier',
    groups: 'x-consumer-groups',
  },
};

const VALUES: Record<Field, (identity: Identity) => string | null> = {
  user: (i) => i.username,
  email: (i) => i.email,
  groups: (i) => i.groups.join(','),
  credential: (i) => i.credential.keyId,
  name: (i) => i.displayName,
};

/**
 * Marks a request passed unchecked by a bypass rule, so the upstream knows its own authentication
 * is in charge. Like the identity headers, it is removed whenever Portcullis does not set it.
 */
export const BYPASS_HEADER = 'x-auth-bypass';

/** The upstream headers of one style, with their names resolved once. */
export class IdentityHeaders {
  /** Every header name of the style, and the bypass mark: cleared upstream when not set. */
  readonly names: readonly string[];
  private readonly fields: readonly [string, (identity: Identity) => string | null][];

  private constructor(style: IdentityHeaderStyle) {
    const entries = Object.entries(STYLES[style]) as [Field, string][];
    this.fields = entries.map(([field, name]) => [name, VALUES[field]]);
    this.names = [...entries.map(([, name]) => name), BYPASS_HEADER];
  }

  private static readonly byStyle = new Map<IdentityHeaderStyle, IdentityHeaders>();

  static of(style: IdentityHeaderStyle): IdentityHeaders {
    let headers = this.byStyle.get(style);
    if (!headers) {
      headers = new IdentityHeaders(style);
      this.byStyle.set(style, headers);
    }
    return headers;
  }

  /** The style's header names that `headers` does not set: to be removed from the request. */
  absentFrom(headers: Record<string, string>): string[] {
    return this.names.filter((name) => !(name in headers));
  }

  /** What to send upstream for an allowed request: its identity, or the bypass mark, or nothing. */
  forAllowed(decision: Pick<Decision, 'identity' | 'reason'>): Record<string, string> {
    if (decision.identity !== null) return this.for(decision.identity);
    return decision.reason === 'bypass' ? { [BYPASS_HEADER]: '1' } : {};
  }

  /** The headers to send upstream for this identity; a missing value (no email) is left out. */
  for(identity: Identity): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, value] of this.fields) {
      const v = value(identity);
      if (v !== null && v !== '') headers[name] = v;
    }
    return headers;
  }
}

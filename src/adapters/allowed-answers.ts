import type { Decision } from '../core/decision.js';
import type { IdentityHeaders } from '../decision/identity-headers.js';
import type { Identity } from '../core/identity.js';

/** How an adapter turns the upstream headers of an allowed request into its response headers. */
export type AnswerBuilder = (
  style: IdentityHeaders,
  upstream: Record<string, string>,
) => readonly string[];

/**
 * The response headers of allowed requests, as a flat `[name, value, ...]` list for writeHead,
 * built once per identity and header style and kept with the identity (a cached key yields the
 * same identity object on every request, for as long as its record is cached). Building them
 * (an object per request, then Node walking it) was a tenth of a cached decision.
 */
export class AllowedAnswers {
  private readonly byIdentity = new WeakMap<
    Identity,
    { style: IdentityHeaders; headers: readonly string[] }
  >();

  constructor(private readonly build: AnswerBuilder) {}

  for(style: IdentityHeaders, decision: Pick<Decision, 'identity' | 'reason'>): readonly string[] {
    const identity = decision.identity;
    if (identity === null) return this.build(style, style.forAllowed(decision));
    const known = this.byIdentity.get(identity);
    // A change of header style (a settings change) builds them again.
    if (known !== undefined && known.style === style) return known.headers;
    const headers = Object.freeze(this.build(style, style.for(identity)));
    this.byIdentity.set(identity, { style, headers });
    return headers;
  }
}

/** `{a: '1'}` as `['a', '1']`, with `extra` pairs after. */
export function flatHeaders(headers: Record<string, string>, ...extra: string[]): string[] {
  const flat: string[] = [];
  for (const name in headers) flat.push(name, headers[name]!);
  flat.push(...extra);
  return flat;
}

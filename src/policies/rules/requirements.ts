import { readClaim } from '../../core/claims.js';
import { IpRanges } from '../../core/client-ip.js';
import type { DenialReason } from '../../core/decision.js';
import type { Identity } from '../../core/identity.js';
import type { ClaimCondition, Requirements } from './rule.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** One requirement block, ready to check: IP ranges compiled, group names lower-cased. */
export interface CompiledRequirements {
  ipRanges: IpRanges | null;
  anyGroups: ReadonlySet<string> | null;
  allGroups: readonly string[] | null;
  readOnlyGroups: ReadonlySet<string> | null;
  fullAccessGroups: ReadonlySet<string>;
  scopes: readonly string[] | null;
  claims: readonly ClaimCondition[] | null;
}

/** A failed requirement: the reason code, and (for the explain trace) what was needed. */
export interface Shortfall {
  reason: Extract<
    DenialReason,
    'ip_denied' | 'group_denied' | 'read_only' | 'insufficient_scope' | 'claim_denied'
  >;
  /** For insufficient_scope: the scopes the rule needs (RFC 6750's `scope` attribute). */
  scopes?: readonly string[];
}

/** `ranges`: IP ranges compiled so far, by list, shared by the rules of one compilation. */
export function compileRequirements(
  blocks: readonly Requirements[],
  ranges = new Map<string, IpRanges>(),
): CompiledRequirements[] {
  const rangesOf = (list: readonly string[]) => {
    const key = list.join(',');
    let compiled = ranges.get(key);
    if (compiled === undefined) ranges.set(key, (compiled = new IpRanges(list)));
    return compiled;
  };
  return blocks.map((block) => ({
    ipRanges: nonEmpty(block.ipRanges) ? rangesOf(block.ipRanges) : null,
    anyGroups: nonEmpty(block.anyGroups) ? lowerSet(block.anyGroups) : null,
    allGroups: nonEmpty(block.allGroups) ? block.allGroups.map(lower) : null,
    readOnlyGroups: nonEmpty(block.readOnlyGroups) ? lowerSet(block.readOnlyGroups) : null,
    fullAccessGroups: lowerSet(block.fullAccessGroups ?? []),
    scopes: nonEmpty(block.scopes) ? block.scopes : null,
    claims: nonEmpty(block.claims) ? block.claims : null,
  }));
}

/** The first block whose IP ranges leave out this client, if any. */
export function ipShortfall(
  blocks: readonly CompiledRequirements[],
  clientIp: string,
): Shortfall | undefined {
  return blocks.some((block) => block.ipRanges?.has(clientIp) === false)
    ? { reason: 'ip_denied' }
    : undefined;
}

/**
 * What a caller lacks, past the IP check: groups, then (for writes) read-only membership, then
 * scopes, then claims. `identity` is null for a Basic password left to the upstream, which has no
 * groups, scopes or claims, and so meets only blocks that ask for none of them.
 */
export function callerShortfall(
  blocks: readonly CompiledRequirements[],
  identity: Identity | null,
  method: string,
): Shortfall | undefined {
  if (blocks.length === 0) return undefined;
  const groups = identity === null ? [] : identity.groups.map(lower);
  const lacksGroups = (block: CompiledRequirements) =>
    (block.anyGroups !== null && !groups.some((name) => block.anyGroups!.has(name))) ||
    (block.allGroups !== null && !block.allGroups.every((name) => groups.includes(name)));
  if (blocks.some(lacksGroups)) return { reason: 'group_denied' };

  if (!SAFE_METHODS.has(method) && blocks.some((block) => readOnlyFor(block, groups))) {
    return { reason: 'read_only' };
  }
  const held = scopesOf(identity);
  const needed = blocks.flatMap((block) => block.scopes ?? []);
  if (needed.some((scope) => !held.has(scope))) {
    return { reason: 'insufficient_scope', scopes: [...new Set(needed)] };
  }
  const claims = identity?.token?.claims;
  const conditions = blocks.flatMap((block) => block.claims ?? []);
  if (conditions.some((condition) => !claimHolds(claims, condition))) {
    return { reason: 'claim_denied' };
  }
  return undefined;
}

/** The scopes a credential carries: a key's own, or a token's `scope` words. */
export function scopesOf(identity: Identity | null): ReadonlySet<string> {
  if (identity === null) return EMPTY_SET;
  if (identity.scopes !== undefined) return new Set(identity.scopes);
  const scope = identity.token?.scope;
  return scope ? new Set(scope.split(' ').filter(Boolean)) : EMPTY_SET;
}

/** Whether a claim condition holds; a missing claim meets none. */
export function claimHolds(
  claims: Readonly<Record<string, unknown>> | undefined,
  condition: ClaimCondition,
): boolean {
  const value = claims === undefined ? undefined : claimAt(claims, condition.claim);
  if (value === undefined || value === null) return false;
  if ('equals' in condition) return value === condition.equals;
  if ('oneOf' in condition) return condition.oneOf.some((option) => option === value);
  if (Array.isArray(value)) return value.includes(condition.contains);
  return typeof value === 'string' && value.split(' ').includes(condition.contains);
}

/** A claim by its whole name (some contain dots, as URLs), or by a dotted path into objects. */
function claimAt(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  return Object.hasOwn(claims, path) ? claims[path] : readClaim(claims, path);
}

function readOnlyFor(block: CompiledRequirements, groups: readonly string[]): boolean {
  return (
    block.readOnlyGroups !== null &&
    groups.some((name) => block.readOnlyGroups!.has(name)) &&
    !groups.some((name) => block.fullAccessGroups.has(name))
  );
}

const EMPTY_SET: ReadonlySet<string> = new Set();

function nonEmpty<T>(list: readonly T[] | undefined): list is readonly T[] {
  return list !== undefined && list.length > 0;
}

function lower(name: string): string {
  return name.toLowerCase();
}

function lowerSet(names: readonly string[]): ReadonlySet<string> {
  return new Set(names.map(lower));
}

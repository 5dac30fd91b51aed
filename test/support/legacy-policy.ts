/**
 * The path and access rules as the service decided by them before ordered rules replaced them
 * (src/policies/rule-book.ts and access-policy.ts at commit 7b43b9f, verbatim but for imports),
 * kept as the oracle that test/unit/legacy-rules.spec.ts holds the translation to.
 */
import { IpRanges } from '../../src/core/client-ip.js';
import type { DecisionRequest } from '../../src/core/decision-request.js';
import type { Verdict } from '../../src/core/decision.js';
import type { Caller } from '../../src/core/policy-evaluator.js';
import type { Identity } from '../../src/core/identity.js';
import { compileHostPattern, type HostPattern } from '../../src/policies/host-pattern.js';
import { compilePathPattern, type PathPattern } from '../../src/policies/path-pattern.js';
import type { AccessRuleSpec, PathRuleSpec } from '../../src/policies/rules/legacy-rules.js';

interface CompiledPathRule {
  id: string;
  pattern: PathPattern;
  methods: ReadonlySet<string> | null;
  host: HostPattern | null;
}

/** An access rule ready to check: IP ranges compiled, group names lower-cased. */
export interface CompiledAccessRule {
  id: string;
  host: HostPattern | null;
  allowedIps: IpRanges | null;
  allowedGroups: ReadonlySet<string> | null;
  readOnlyGroups: ReadonlySet<string> | null;
  fullAccessGroups: ReadonlySet<string>;
}

/** How a path rule classifies a request; the rule id is logged with the decision. */
export type PathVerdict =
  { access: 'public'; ruleId: string } | { access: 'protected'; ruleId: string | null };

const PROTECTED: PathVerdict = { access: 'protected', ruleId: null };

/**
 * A path that needs normalising (dot segments, doubled slashes) or carries encoded separators,
 * dots, percents or `;` parameters. Its meaning depends on who reads it, so rules that open a path
 * (public, bypass) never match it: such a request needs a credential. So does a target with a
 * fragment: `/public/x#/../../admin` is /public/x to the path check, but nginx forwards it raw.
 */
const AMBIGUOUS_PATH = /%(2f|5c|25|2e|3b)|[;\\]|\/\/|\/\.\.?(\/|$)/i;

/**
 * Every path and access rule, compiled for matching. Immutable: a policy change builds a new book.
 * Path rules: bypass first, then public unless a restricted rule also matches. Rules that open a
 * path match narrowly (case-sensitive, unambiguous paths only); restricted rules match broadly
 * (case-insensitive, trailing dots ignored), so no reading of a path escapes them.
 */
export class RuleBook {
  static readonly EMPTY = RuleBook.compile([], []);

  private constructor(
    private readonly bypass: readonly CompiledPathRule[],
    private readonly open: readonly CompiledPathRule[],
    private readonly restricted: readonly CompiledPathRule[],
    private readonly access: readonly CompiledAccessRule[],
  ) {}

  static compile(pathRules: readonly PathRuleSpec[], accessRules: readonly AccessRuleSpec[]) {
    const byAccess = (access: PathRuleSpec['access']) =>
      pathRules.filter((rule) => rule.access === access).map(compilePathRule);
    return new RuleBook(
      byAccess('bypass'),
      byAccess('public'),
      byAccess('restricted'),
      accessRules.map(compileAccessRule),
    );
  }

  /** The bypass rule that lets this request through unchecked, if any. */
  bypassRule(request: DecisionRequest): string | undefined {
    if (this.bypass.length === 0) return undefined;
    return this.findOpening(this.bypass, request)?.id;
  }

  /** Whether an anonymous request may reach this path, and by (or despite) which rule. */
  pathAccess(request: DecisionRequest): PathVerdict {
    if (this.open.length === 0) return PROTECTED;
    const open = this.findOpening(this.open, request);
    if (open === undefined) return PROTECTED;
    const path = request.path!;
    const closing = this.restricted.find(
      (rule) =>
        appliesTo(rule, request.method, request.hostname) && rule.pattern.matchesLoosely(path),
    );
    return closing
      ? { access: 'protected', ruleId: closing.id }
      : { access: 'public', ruleId: open.id };
  }

  /** The access rules for a request's host: the unscoped ones and those whose host matches. */
  accessRules(request: DecisionRequest): CompiledAccessRule[] {
    if (this.access.length === 0) return [];
    const hostname = request.hostname;
    return this.access.filter((rule) => rule.host === null || rule.host(hostname));
  }

  private findOpening(
    rules: readonly CompiledPathRule[],
    request: DecisionRequest,
  ): CompiledPathRule | undefined {
    const path = request.path;
    if (path === undefined || request.hasFragment || AMBIGUOUS_PATH.test(request.rawPath)) {
      return undefined;
    }
    return rules.find(
      (rule) => appliesTo(rule, request.method, request.hostname) && rule.pattern.matches(path),
    );
  }
}

function appliesTo(rule: CompiledPathRule, method: string, hostname: string): boolean {
  return (rule.methods === null || rule.methods.has(method)) && (rule.host?.(hostname) ?? true);
}

function compilePathRule(rule: PathRuleSpec): CompiledPathRule {
  return {
    id: rule.id,
    pattern: compilePathPattern(rule.pattern),
    methods: rule.methods.length === 0 ? null : new Set(rule.methods),
    host: rule.host === null ? null : compileHostPattern(rule.host),
  };
}

function compileAccessRule(rule: AccessRuleSpec): CompiledAccessRule {
  const groups = (names: readonly string[]) =>
    names.length === 0 ? null : new Set(names.map((name) => name.toLowerCase()));
  return {
    id: rule.id,
    host: rule.host === null ? null : compileHostPattern(rule.host),
    allowedIps: rule.allowedIps.length === 0 ? null : new IpRanges(rule.allowedIps),
    allowedGroups: groups(rule.allowedGroups),
    readOnlyGroups: groups(rule.readOnlyGroups),
    fullAccessGroups: groups(rule.fullAccessGroups) ?? new Set(),
  };
}

const AUTHENTICATED: Verdict = { allowed: true, reason: 'authenticated' };
const UPSTREAM_AUTH: Verdict = { allowed: true, reason: 'upstream_auth' };
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function decideByOldRules(
  book: RuleBook,
  request: DecisionRequest,
  caller: Caller,
  keyAllows: (identity: Identity, clientIp: string) => boolean,
): Verdict {
  const bypass = book.bypassRule(request);
  if (bypass !== undefined) return { allowed: true, reason: 'bypass', rule: bypass };
  let publicRule: string | undefined;
  if (caller.kind === 'anonymous') {
    const access = book.pathAccess(request);
    if (access.access === 'protected') {
      return { allowed: false, reason: 'missing_credential', ...ruleOf(access.ruleId) };
    }
    publicRule = access.ruleId;
  }
  const identity = caller.kind === 'identified' ? caller.identity : null;
  const rules = book.accessRules(request);

  const ipRule = rules.find((rule) => rule.allowedIps?.has(request.clientIp) === false);
  if (ipRule) return { allowed: false, reason: 'ip_denied', rule: ipRule.id };
  if (identity !== null && !keyAllows(identity, request.clientIp)) {
    return { allowed: false, reason: 'ip_denied' };
  }
  if (publicRule !== undefined) return { allowed: true, reason: 'anonymous', rule: publicRule };

  const groups = identity === null ? EMPTY : lowerCased(identity.groups);
  const groupRule = rules.find(
    (rule) => rule.allowedGroups !== null && !someIn(groups, rule.allowedGroups),
  );
  if (groupRule) return { allowed: false, reason: 'group_denied', rule: groupRule.id };
  if (identity === null) return UPSTREAM_AUTH;

  if (!SAFE_METHODS.has(request.method)) {
    const readOnlyRule = rules.find((rule) => readOnlyFor(rule, groups));
    if (readOnlyRule) return { allowed: false, reason: 'read_only', rule: readOnlyRule.id };
  }
  return AUTHENTICATED;
}

const EMPTY: readonly string[] = [];

function ruleOf(id: string | null): { rule?: string } {
  return id === null ? {} : { rule: id };
}

function lowerCased(names: readonly string[]): readonly string[] {
  return names.map((name) => name.toLowerCase());
}

function someIn(names: readonly string[], set: ReadonlySet<string>): boolean {
  return names.some((name) => set.has(name));
}

function readOnlyFor(rule: CompiledAccessRule, groups: readonly string[]): boolean {
  return (
    rule.readOnlyGroups !== null &&
    someIn(groups, rule.readOnlyGroups) &&
    !someIn(groups, rule.fullAccessGroups)
  );
}

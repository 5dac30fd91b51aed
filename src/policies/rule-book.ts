import { IpRanges } from '../core/client-ip.js';
import type { DecisionRequest } from '../core/decision-request.js';
import { compileHostPattern, type HostPattern } from './host-pattern.js';
import { compilePathPattern, type PathPattern } from './path-pattern.js';
import type { PathAccess } from './path-rule.entity.js';

export interface PathRuleSpec {
  id: string;
  access: PathAccess;
  pattern: string;
  methods: readonly string[];
  host: string | null;
}

export interface AccessRuleSpec {
  id: string;
  host: string | null;
  allowedIps: readonly string[];
  allowedGroups: readonly string[];
  readOnlyGroups: readonly string[];
  fullAccessGroups: readonly string[];
}

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
    const byAccess = (access: PathAccess) =>
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

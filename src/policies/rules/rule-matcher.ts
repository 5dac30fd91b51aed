import type { IpRanges } from '../../core/client-ip.js';
import type { DecisionRequest } from '../../core/decision-request.js';
import type { AllowReason, DenialReason, Verdict } from '../../core/decision.js';
import { compileHostPattern, type HostPattern } from '../host-pattern.js';
import {
  compilePathPattern,
  loosePath,
  pathPatternCovers,
  type PathPattern,
} from '../path-pattern.js';
import { compileRequirements, type CompiledRequirements } from './requirements.js';
import { DEFAULT_RULE_NAME, type RuleEffect, type RuleList, type RuleSpec } from './rule.js';

/** A rule ready to match; `position` is its place in the list (0-based), the default's is last. */
export class CompiledRule {
  readonly name: string;
  readonly effect: RuleEffect;
  readonly require: readonly CompiledRequirements[];
  readonly hosts: readonly HostPattern[] | null;
  readonly paths: readonly PathPattern[] | null;
  readonly methods: ReadonlySet<string> | null;
  /** Effect and requirements as one string: two rules with equal outcomes have equal keys. */
  readonly outcome: string;
  /** This rule as the answer of firstMatch, made once (nothing is allocated per request). */
  readonly matched: MatchResult = { kind: 'rule', rule: this };
  /** Its verdicts, each made once, when first given. */
  private readonly verdicts: Partial<Record<Verdict['reason'], Verdict>> = {};

  constructor(
    readonly spec: RuleSpec,
    readonly position: number,
    ranges: Map<string, IpRanges>,
  ) {
    const { hosts, paths, methods } = spec.match;
    this.name = spec.name;
    this.effect = spec.effect;
    this.require = compileRequirements(spec.require, ranges);
    this.hosts = hosts.length === 0 ? null : hosts.map(compileHostPattern);
    this.paths = paths.length === 0 ? null : paths.map(compilePathPattern);
    this.methods = methods.length === 0 ? null : new Set(methods);
    this.outcome = JSON.stringify([spec.effect, spec.require]);
  }

  /** The verdict citing this rule for a reason (allowed or not, as the reason says). */
  verdict(reason: AllowReason | DenialReason): Verdict {
    let verdict = this.verdicts[reason];
    if (verdict === undefined) {
      verdict = ALLOW_REASONS.has(reason)
        ? { allowed: true, reason: reason as AllowReason, rule: this.name }
        : { allowed: false, reason: reason as DenialReason, rule: this.name };
      this.verdicts[reason] = verdict;
    }
    return verdict;
  }
}

const ALLOW_REASONS: ReadonlySet<string> = new Set<AllowReason>([
  'authenticated',
  'anonymous',
  'bypass',
  'service_disabled',
  'upstream_auth',
]);

/** Which rule decides a request. */
export type MatchResult =
  | { kind: 'rule'; rule: CompiledRule }
  /**
   * The path cannot be read (bad encoding, controls), and a rule that would have decided if its
   * path patterns matched leads somewhere else than the rule that does: refuse, don't guess.
   */
  | { kind: 'unreadable_path'; rule: CompiledRule };

/**
 * A path that needs normalising (dot segments, doubled slashes) or carries encoded separators,
 * dots, percents or `;` parameters. Its meaning depends on who reads it, so rules that open a path
 * (public, bypass) never match it. Nor a target with a fragment: `/public/x#/../../admin` is
 * /public/x to the path check, but nginx forwards it raw.
 */
const AMBIGUOUS_PATH = /%(2f|5c|25|2e|3b)|[;\\]|\/\/|\/\.\.?(\/|$)/i;

/** Rules indexed by the first segment of their path patterns, each list in list order. */
interface SegmentIndex {
  /** Per first segment (see looseSegment): the rules whose every pattern starts with it. */
  readonly bySegment: ReadonlyMap<string, readonly CompiledRule[]>;
  /** Rules whose paths may match whatever the first segment is (or that have no paths). */
  readonly anySegment: readonly CompiledRule[];
}

/**
 * The ordered rules, compiled and indexed by host and by first path segment, so that finding the
 * first rule that matches costs about the same with a thousand rules as with ten: a request is
 * tried against the rules for its first segment and those for any segment, of its own host and of
 * any host. Building the index is linear in the rules. Immutable: a policy change compiles a new
 * matcher.
 */
export class RuleMatcher {
  private constructor(
    readonly rules: readonly CompiledRule[],
    readonly defaultRule: CompiledRule,
    private readonly byHost: ReadonlyMap<string, SegmentIndex>,
    private readonly anyHost: SegmentIndex,
  ) {}

  static compile(list: RuleList): RuleMatcher {
    const ranges = new Map<string, IpRanges>();
    const rules = list.rules.map((spec, position) => new CompiledRule(spec, position, ranges));
    const defaultRule = new CompiledRule(
      {
        name: DEFAULT_RULE_NAME,
        match: { hosts: [], paths: [], methods: [] },
        effect: list.defaultRule.effect,
        require: list.defaultRule.require,
      },
      rules.length,
      ranges,
    );
    // Rules naming only literal hosts are filed under each; the rest may match any host.
    const literal = new Map<string, CompiledRule[]>();
    const anyHost: CompiledRule[] = [];
    for (const rule of rules) {
      const hosts = literalHosts(rule.spec);
      if (hosts === null) anyHost.push(rule);
      else for (const host of hosts) addTo(literal, host, rule);
    }
    const byHost = new Map<string, SegmentIndex>();
    for (const [host, own] of literal) byHost.set(host, segmentIndexOf(own));
    return new RuleMatcher(rules, defaultRule, byHost, segmentIndexOf(anyHost));
  }

  /** The rule that decides this request: the first that matches, or the default. */
  firstMatch(request: DecisionRequest): MatchResult {
    if (this.rules.length === 0) return this.defaultRule.matched;
    const path = request.path;
    if (path === undefined) return this.matchUnreadable(request);
    const key = segmentKey(path);
    const paths: RequestPaths = { path, loose: loosePath(path), plain: isPlain(request) };
    let best = firstIn(this.anyHost.bySegment.get(key), request, paths, undefined);
    best = firstIn(this.anyHost.anySegment, request, paths, best);
    const host = this.byHost.get(request.hostname);
    if (host !== undefined) {
      best = firstIn(host.bySegment.get(key), request, paths, best);
      best = firstIn(host.anySegment, request, paths, best);
    }
    return (best ?? this.defaultRule).matched;
  }

  /**
   * A request whose path cannot be normalised matches only rules without path patterns. Rules
   * with path patterns that deny or protect might have matched it; if any of them leads elsewhere
   * than the rule that decides, the answer would depend on the unreadable path: the first such
   * rule is named. Every one of them counts, not only the first (a first that happens to lead
   * where the decider does says nothing of those after it), except one whose paths an earlier
   * such rule covers: that one could never be first to match. Rare: it reads the whole list.
   */
  private matchUnreadable(request: DecisionRequest): MatchResult {
    const skipped: CompiledRule[] = [];
    let decider = this.defaultRule;
    for (const rule of this.rules) {
      if (!appliesTo(rule, request)) continue;
      if (rule.paths === null) {
        decider = rule;
        break;
      }
      if (!opensPaths(rule.effect) && !skipped.some((earlier) => pathsCover(earlier, rule))) {
        skipped.push(rule);
      }
    }
    const elsewhere = skipped.find((rule) => rule.outcome !== decider.outcome);
    if (elsewhere !== undefined) return { kind: 'unreadable_path', rule: elsewhere };
    return decider.matched;
  }
}

/** Whether every path `later` matches loosely, `earlier` matches loosely too. */
function pathsCover(earlier: CompiledRule, later: CompiledRule): boolean {
  return later.spec.match.paths.every((path) =>
    earlier.spec.match.paths.some((outer) => pathPatternCovers(outer, path, true)),
  );
}

/** The first rule of `rules` that matches, if it comes before `best` (the earliest found so far). */
function firstIn(
  rules: readonly CompiledRule[] | undefined,
  request: DecisionRequest,
  paths: RequestPaths,
  best: CompiledRule | undefined,
): CompiledRule | undefined {
  if (rules === undefined) return best;
  for (const rule of rules) {
    if (best !== undefined && rule.position > best.position) return best;
    if (ruleMatches(rule, request, paths)) return rule;
  }
  return best;
}

/** A request's path, read once for every rule: as is, loosely, and whether it is plain. */
interface RequestPaths {
  path: string;
  /** See loosePath: for rules that protect. */
  loose: string;
  /** Whether rules that open a path may match it (see isPlain). */
  plain: boolean;
}

/** public and bypass open a path: they match narrowly, and never a path that needed normalising. */
export function opensPaths(effect: RuleEffect): boolean {
  return effect === 'public' || effect === 'bypass';
}

/** Whether the request's path is plain enough for a rule that opens a path to match it. */
export function isPlain(request: DecisionRequest): boolean {
  return !request.hasFragment && !AMBIGUOUS_PATH.test(request.rawPath);
}

function ruleMatches(rule: CompiledRule, request: DecisionRequest, paths: RequestPaths): boolean {
  if (!appliesTo(rule, request)) return false;
  if (rule.paths === null) return true;
  if (opensPaths(rule.effect)) {
    return paths.plain && rule.paths.some((pattern) => pattern.matches(paths.path));
  }
  return rule.paths.some((pattern) => pattern.matchesLoosePath(paths.loose));
}

/** Method and host: what a rule checks before its paths. */
function appliesTo(rule: CompiledRule, request: DecisionRequest): boolean {
  return (
    (rule.methods === null || rule.methods.has(request.method)) &&
    (rule.hosts === null || rule.hosts.some((host) => host(request.hostname)))
  );
}

function literalHosts(spec: RuleSpec): readonly string[] | null {
  const { hosts } = spec.match;
  if (hosts.length === 0 || hosts.some((host) => host.includes('*'))) return null;
  return hosts.map((host) => host.toLowerCase());
}

function segmentIndexOf(rules: readonly CompiledRule[]): SegmentIndex {
  const bySegment = new Map<string, CompiledRule[]>();
  const anySegment: CompiledRule[] = [];
  for (const rule of rules) {
    const keys = firstSegmentKeys(rule);
    if (keys === null) anySegment.push(rule);
    else for (const key of keys) addTo(bySegment, key, rule);
  }
  return { bySegment, anySegment };
}

/**
 * The index keys of a rule's paths: the first segment of each pattern, as segmentKey reads a
 * request's; null when some pattern's first segment is a wildcard, or the rule has no paths.
 */
function firstSegmentKeys(rule: CompiledRule): Set<string> | null {
  if (rule.paths === null) return null;
  const keys = new Set<string>();
  for (const { source } of rule.paths) {
    const first = source.split('/')[1] ?? '';
    if (first.includes('*')) return null;
    keys.add(looseSegment(first));
  }
  return keys;
}

/** The index key of a normalised path: its first segment, read loosely. */
function segmentKey(path: string): string {
  const end = path.indexOf('/', 1);
  return looseSegment(end < 0 ? path.slice(1) : path.slice(1, end));
}

/**
 * A segment as path patterns' loose matching reads it: trailing dots and spaces dropped, and
 * upper-cased, as a case-insensitive regular expression compares characters (so `µ` and `μ`,
 * equal to it, share a key). Keys only narrow the candidates; the patterns still decide.
 */
function looseSegment(segment: string): string {
  const trimmed = segment.replace(/[. ]+$/, '');
  return (trimmed === '' ? segment : trimmed).toUpperCase();
}

function addTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

import { hostPatternCovers } from '../host-pattern.js';
import { pathPatternCovers } from '../path-pattern.js';
import { opensPaths } from './rule-matcher.js';
import type { RuleSpec } from './rule.js';

export interface LintWarning {
  /** The rule the warning is about. */
  rule: string;
  code: 'unreachable' | 'pattern-never-matches' | 'unknown-method';
  message: string;
}

/** Methods clients send: RFC 9110's, PATCH (RFC 5789) and WebDAV's (RFC 4918, 3253, 3744, 5323). */
const KNOWN_METHODS = new Set([
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND',
  'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH', 'ACL', 'MKCALENDAR',
  'CHECKOUT', 'CHECKIN', 'VERSION-CONTROL', 'UNCHECKOUT', 'MERGE', 'LABEL', 'UPDATE', 'MKWORKSPACE',
  'MKACTIVITY', 'BASELINE-CONTROL', 'ORDERPATCH', 'BIND', 'UNBIND', 'REBIND', 'QUERY',
]); // prettier-ignore

/**
 * Warnings about a rule list that is valid but probably not what its author meant: rules that an
 * earlier rule always takes the requests of, patterns no normalised path can match, and methods no
 * client sends. Conservative: it warns only where it is sure. A rule is compared only with the
 * earlier rules of its own list: the global one, or its rule set.
 */
export function lintRules(rules: readonly RuleSpec[]): LintWarning[] {
  const warnings: LintWarning[] = [];
  const earlierBySet = new Map<string | null, EarlierRules>();
  rules.forEach((rule) => {
    const set = rule.ruleSet ?? null;
    let earlier = earlierBySet.get(set);
    if (earlier === undefined) earlierBySet.set(set, (earlier = new EarlierRules()));
    for (const method of rule.match.methods) {
      if (!KNOWN_METHODS.has(method.toUpperCase())) {
        warnings.push({
          rule: rule.name,
          code: 'unknown-method',
          message: `${rule.name}: no client sends the method ${method}`,
        });
      }
    }
    for (const path of rule.match.paths) {
      if (/%[0-9a-f]{2}/i.test(path)) {
        warnings.push({
          rule: rule.name,
          code: 'pattern-never-matches',
          message:
            `${rule.name}: ${path} never matches a normalised path (paths are matched ` +
            `percent-decoded, with dot segments resolved); write it decoded`,
        });
      }
    }
    const covering = earlier.coveringOf(rule);
    if (covering !== undefined) {
      warnings.push({
        rule: rule.name,
        code: 'unreachable',
        message: `${rule.name} never decides: ${covering.name}, before it, matches every request it does`,
      });
    }
    earlier.add(rule);
  });
  return warnings;
}

/**
 * The rules seen so far, filed by the first segment of their paths, so that each rule is compared
 * only with the earlier ones that could cover it (a thousand rules lint in milliseconds).
 */
class EarlierRules {
  private position = 0;
  private readonly order = new Map<RuleSpec, number>();
  private readonly withoutPaths: RuleSpec[] = [];
  private readonly wildcardFirst: RuleSpec[] = [];
  private readonly byFirstSegment = new Map<string, RuleSpec[]>();

  add(rule: RuleSpec): void {
    this.order.set(rule, this.position++);
    if (rule.match.paths.length === 0) return void this.withoutPaths.push(rule);
    const firsts = new Set(rule.match.paths.map(firstSegment));
    if ([...firsts].some((segment) => segment.includes('*'))) {
      return void this.wildcardFirst.push(rule);
    }
    for (const segment of firsts) {
      const list = this.byFirstSegment.get(segment);
      if (list === undefined) this.byFirstSegment.set(segment, [rule]);
      else list.push(rule);
    }
  }

  /** The first earlier rule that matches every request `rule` does, if any. */
  coveringOf(rule: RuleSpec): RuleSpec | undefined {
    const candidates =
      rule.match.paths.length === 0
        ? this.withoutPaths
        : [
            ...this.withoutPaths,
            ...this.wildcardFirst,
            ...(this.byFirstSegment.get(firstSegment(rule.match.paths[0]!)) ?? []),
          ];
    let first: RuleSpec | undefined;
    for (const candidate of candidates) {
      if (first !== undefined && this.order.get(candidate)! > this.order.get(first)!) continue;
      if (covers(candidate, rule)) first = candidate;
    }
    return first;
  }
}

/** A pattern's first segment, lower-cased (covering compares loosely at most). */
function firstSegment(pattern: string): string {
  return (pattern.split('/')[1] ?? '').toLowerCase();
}

/** Whether every request `later` matches is matched by `earlier` (when sure). */
export function covers(earlier: RuleSpec, later: RuleSpec): boolean {
  const e = earlier.match;
  const l = later.match;
  // Cheapest first: paths, then methods, then hosts.
  if (e.paths.length > 0) {
    // A rule that opens paths matches fewer requests (plain paths only, case-sensitively) than a
    // rule that protects them, with the same patterns.
    const loose = !opensPaths(earlier.effect);
    if (!loose && !opensPaths(later.effect)) return false;
    const pathsCovered =
      l.paths.length > 0 &&
      l.paths.every((path) => e.paths.some((outer) => pathPatternCovers(outer, path, loose)));
    if (!pathsCovered) return false;
  }
  const methodsCovered =
    e.methods.length === 0 ||
    (l.methods.length > 0 && l.methods.every((m) => e.methods.includes(m)));
  if (!methodsCovered) return false;
  return (
    e.hosts.length === 0 ||
    (l.hosts.length > 0 &&
      l.hosts.every((host) => e.hosts.some((outer) => hostPatternCovers(outer, host))))
  );
}

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
 * client sends. Conservative: it warns only where it is sure.
 */
export function lintRules(rules: readonly RuleSpec[]): LintWarning[] {
  const warnings: LintWarning[] = [];
  rules.forEach((rule, index) => {
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
    const earlier = rules.slice(0, index).find((before) => covers(before, rule));
    if (earlier !== undefined) {
      warnings.push({
        rule: rule.name,
        code: 'unreachable',
        message: `${rule.name} never decides: ${earlier.name}, before it, matches every request it does`,
      });
    }
  });
  return warnings;
}

/** Whether every request `later` matches is matched by `earlier` (when sure). */
function covers(earlier: RuleSpec, later: RuleSpec): boolean {
  const e = earlier.match;
  const l = later.match;
  const hostsCovered =
    e.hosts.length === 0 ||
    (l.hosts.length > 0 &&
      l.hosts.every((host) => e.hosts.some((outer) => hostPatternCovers(outer, host))));
  const methodsCovered =
    e.methods.length === 0 ||
    (l.methods.length > 0 && l.methods.every((m) => e.methods.includes(m)));
  if (!hostsCovered || !methodsCovered) return false;
  if (e.paths.length === 0) return true;
  // A rule that opens paths matches fewer requests (plain paths only, case-sensitively) than a
  // rule that protects them, with the same patterns.
  const loose = !opensPaths(earlier.effect);
  if (!loose && !opensPaths(later.effect)) return false;
  return (
    l.paths.length > 0 &&
    l.paths.every((path) => e.paths.some((outer) => pathPatternCovers(outer, path, loose)))
  );
}

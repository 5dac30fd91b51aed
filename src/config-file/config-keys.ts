import type { AccessRuleEntry, PathRuleEntry } from './config-document.js';

/**
 * Natural keys: how a resource in the file is matched with one in the service, since the file
 * carries no ids. Groups and providers by name (without regard to case, as the service compares
 * them); path rules by pattern, host and methods; access rules by host and their order among the
 * rules for that host (nothing else tells two rules for one host apart).
 */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

export function hostKey(host: string | null | undefined): string {
  return (host ?? '').toLowerCase();
}

export function methodsKey(methods: string[] | undefined): string[] {
  return [...new Set((methods ?? []).map((m) => m.toUpperCase()))].sort();
}

export function pathRuleKey(rule: Pick<PathRuleEntry, 'pattern' | 'host' | 'methods'>): string {
  return JSON.stringify([rule.pattern, hostKey(rule.host), methodsKey(rule.methods)]);
}

/** How a path rule is named in a plan: `/docs/** (GET,HEAD on api.example.com)`. */
export function pathRuleLabel(rule: Pick<PathRuleEntry, 'pattern' | 'host' | 'methods'>): string {
  const methods = methodsKey(rule.methods);
  const scope = [
    methods.length > 0 ? methods.join(',') : 'any method',
    rule.host ? `on ${hostKey(rule.host)}` : 'on any host',
  ].join(' ');
  return `${rule.pattern} (${scope})`;
}

/** Access rules with their keys: host, and the rule's place among that host's rules. */
export function keyedAccessRules<T extends Pick<AccessRuleEntry, 'host'>>(
  rules: T[],
): { key: string; label: string; rule: T; index: number }[] {
  const seen = new Map<string, number>();
  return rules.map((rule, index) => {
    const host = hostKey(rule.host);
    const ordinal = (seen.get(host) ?? 0) + 1;
    seen.set(host, ordinal);
    return {
      key: JSON.stringify([host, ordinal]),
      label: `#${ordinal} ${host ? `for ${host}` : 'for any host'}`,
      rule,
      index,
    };
  });
}

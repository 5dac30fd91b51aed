import type { PathRuleEntry } from './config-document.js';

/**
 * Natural keys: how a resource in the file is matched with one in the service, since the file
 * carries no ids. Groups and providers by name (without regard to case, as the service compares
 * them); rules by their name (case-sensitive, as the service keeps it); the old path rules, still
 * read for translation, by pattern, host and methods.
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

import { hostPatternCovers, hostPatternsMayOverlap } from '../host-pattern.js';
import type { Requirements, RuleList, RuleSpec } from './rule.js';

// The old model, as its tables held it. Frozen: the OrderedRules migration translates with this.

/** A path rule: `public` opened a path, `restricted` closed part of one, `bypass` skipped checks. */
export interface PathRuleSpec {
  id: string;
  access: 'public' | 'restricted' | 'bypass';
  pattern: string;
  methods: readonly string[];
  host: string | null;
}

/** An access rule: requirements for every request to its host (or any), all applying at once. */
export interface AccessRuleSpec {
  id: string;
  host: string | null;
  allowedIps: readonly string[];
  allowedGroups: readonly string[];
  readOnlyGroups: readonly string[];
  fullAccessGroups: readonly string[];
}

/** The ordered rules that decide exactly as the old path and access rules did, and any caveats. */
export interface Translation {
  list: RuleList;
  /** Where the translation had to be stricter than the old rules (partly overlapping hosts). */
  warnings: string[];
}

/**
 * Rewrites the old model (path rules: bypass, public, restricted; access rules: requirements for
 * every request to a host, all of them applying at once) as one ordered rule list with the same
 * decisions:
 *   1. bypass rules, as they were checked first;
 *   2. restricted rules, then public rules, each once per host whose access rules differ;
 *   3. per such host, a rule carrying its access rules;
 *   4. the default: authenticated, with the access rules that name no host.
 * A host's access rules are those of every pattern that covers it, so more specific hosts come
 * first. Two wildcard hosts that may share hosts without either covering the other get each
 * other's requirements too (stricter than before for hosts only one matches), with a warning.
 */
export function translateLegacyRules(
  pathRules: readonly PathRuleSpec[],
  accessRules: readonly AccessRuleSpec[],
): Translation {
  const warnings: string[] = [];
  const everywhere = accessRules.filter((rule) => rule.host === null).flatMap(blockOf);
  const hostScoped = accessRules.filter((rule) => rule.host !== null);

  const patterns = [
    ...new Set(
      [...pathRules, ...accessRules].flatMap((rule) =>
        rule.host === null ? [] : [lower(rule.host)],
      ),
    ),
  ];
  const requirementsFor = (host: string): Requirements[] => {
    const own = hostScoped.filter((rule) => {
      const pattern = lower(rule.host!);
      if (hostPatternCovers(pattern, host)) return true;
      if (hostPatternCovers(host, pattern) || !hostPatternsMayOverlap(host, pattern)) return false;
      warnings.push(
        `hosts ${host} and ${pattern} may overlap: rules for ${host} also require what access ` +
          `rule ${rule.id} requires of ${pattern}`,
      );
      return true;
    });
    return [...everywhere, ...own.flatMap(blockOf)];
  };
  const coverers = (host: string) =>
    patterns.filter((other) => hostPatternCovers(other, host)).length;
  const contexts = patterns
    .map((host) => ({ host, require: requirementsFor(host), depth: coverers(host) }))
    .sort(
      (a, b) =>
        b.depth - a.depth ||
        Number(a.host.includes('*')) - Number(b.host.includes('*')) ||
        a.host.localeCompare(b.host),
    );
  const differs = contexts.filter((context) => !sameBlocks(context.require, everywhere));

  const names = new UniqueNames();
  const rules: RuleSpec[] = [];
  const byAccess = (access: PathRuleSpec['access']) =>
    pathRules.filter((rule) => rule.access === access);

  for (const rule of byAccess('bypass')) {
    rules.push(pathRuleAs(rule, 'bypass', rule.host === null ? [] : [lower(rule.host)], [], names));
  }
  for (const [access, effect] of [
    ['restricted', 'authenticated'],
    ['public', 'public'],
  ] as const) {
    for (const rule of byAccess(access)) {
      const own = rule.host === null ? null : lower(rule.host);
      const inner = differs.filter(
        (context) => context.host !== own && (own === null || hostPatternCovers(own, context.host)),
      );
      for (const context of inner) {
        rules.push(pathRuleAs(rule, effect, [context.host], context.require, names));
      }
      const ownRequire = own === null ? everywhere : requirementsFor(own);
      rules.push(pathRuleAs(rule, effect, own === null ? [] : [own], ownRequire, names));
    }
  }
  for (const context of differs) {
    rules.push({
      name: names.take(`host-${slug(context.host)}`),
      match: { hosts: [context.host], paths: [], methods: [] },
      effect: 'authenticated',
      require: context.require,
      description: `Access rules for ${context.host}`,
    });
  }
  return {
    list: { rules, defaultRule: { effect: 'authenticated', require: everywhere } },
    warnings: [...new Set(warnings)],
  };
}

function pathRuleAs(
  rule: PathRuleSpec,
  effect: RuleSpec['effect'],
  hosts: string[],
  require: Requirements[],
  names: UniqueNames,
): RuleSpec {
  const where = hosts.length === 0 ? '' : `-on-${slug(hosts[0]!)}`;
  return {
    name: names.take(`${rule.access}-${slug(rule.pattern)}${where}`),
    match: { hosts, paths: [rule.pattern], methods: [...rule.methods] },
    effect,
    require: effect === 'bypass' ? [] : require,
    description: `Path rule ${rule.id} (${rule.access} ${rule.pattern})`,
  };
}

/** An access rule's requirements as one block; none when it asks for nothing. */
function blockOf(rule: AccessRuleSpec): Requirements[] {
  const block: Requirements = {
    ...(rule.allowedIps.length > 0 && { ipRanges: [...rule.allowedIps] }),
    ...(rule.allowedGroups.length > 0 && { anyGroups: [...rule.allowedGroups] }),
    ...(rule.readOnlyGroups.length > 0 && {
      readOnlyGroups: [...rule.readOnlyGroups],
      ...(rule.fullAccessGroups.length > 0 && { fullAccessGroups: [...rule.fullAccessGroups] }),
    }),
  };
  return Object.keys(block).length === 0 ? [] : [block];
}

function sameBlocks(a: readonly Requirements[], b: readonly Requirements[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Names made from paths and hosts: `/docs/**` on `*.shop.example` is docs-on-any.shop.example. */
function slug(text: string): string {
  const name = text
    .toLowerCase()
    .replaceAll('**', 'all')
    .replaceAll('*', 'any')
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return name === '' ? 'root' : name.slice(0, 60).replace(/[-.]+$/, '');
}

function lower(host: string): string {
  return host.toLowerCase();
}

/** Hands out each name once, numbering repeats (public-docs, public-docs-2, ...). */
class UniqueNames {
  private readonly taken = new Set<string>();

  take(wanted: string): string {
    let name = wanted;
    for (let n = 2; this.taken.has(name); n++) name = `${wanted}-${n}`;
    this.taken.add(name);
    return name;
  }
}

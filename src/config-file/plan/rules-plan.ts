import { lintRules } from '../../policies/rules/rule-lint.js';
import type { Requirements, RuleSpec } from '../../policies/rules/rule.js';
import type { DefaultRuleEntry, RuleEntry } from '../config-document.js';
import type { RuleListState, RuleState, ServiceState } from '../service-state.js';
import { same, sameSet } from './compare.js';
import type { ChangeRequest, FieldChange, Plan, PlannedChange } from './plan-types.js';

/** A rule as PUT /v1/admin/rules takes it, every field spelled out. */
export interface RuleInput {
  name: string;
  match: { hosts: string[]; paths: string[]; methods: string[] };
  effect: RuleEntry['effect'];
  require: Requirements[];
  description: string | null;
  ruleSet: string | null;
}

/**
 * Plans the `rules` and `defaultRule` sections: rules are matched by name, and the plan names
 * each one added, changed (field by field), moved and removed. All of it is carried out by one
 * PUT of the whole list, with If-Match of the version read: if the rules change meanwhile, the
 * service refuses it and nothing of the list changes.
 */
export function planRules(
  wanted: RuleEntry[] | undefined,
  wantedDefault: DefaultRuleEntry | undefined,
  state: ServiceState,
  plan: Plan,
): void {
  const current = state.rules;
  const rules = (wanted ?? current.rules).map(ruleInput);
  const changes: Unsent[] = [];
  if (wanted !== undefined) changes.push(...ruleChanges(rules, current.rules));
  if (wantedDefault !== undefined) {
    const change = defaultRuleChange(wantedDefault, current);
    if (change) changes.push(change);
  }
  plan.warnings = lintRules(rules.map((rule): RuleSpec => rule));
  if (changes.length === 0) return;
  const request: ChangeRequest = {
    method: 'PUT',
    path: '/v1/admin/rules',
    body: {
      rules,
      ...(wantedDefault !== undefined && {
        defaultRule: { effect: wantedDefault.effect, require: wantedDefault.require ?? [] },
      }),
    },
    headers: { 'if-match': `"${current.version}"` },
    summary: `replace the rules (version ${current.version}) with the file's`,
  };
  for (const change of changes) plan.changes.push({ ...change, request });
}

type Unsent = Omit<PlannedChange, 'request'>;

function ruleChanges(rules: RuleInput[], current: RuleState[]): Unsent[] {
  const existing = new Map(current.map((rule) => [rule.name, ruleInput(rule)]));
  const wantedNames = new Set(rules.map((rule) => rule.name));
  const changes: Unsent[] = [];
  const moved = movedRules(
    rules.map((rule) => rule.name),
    current.map((rule) => rule.name),
  );
  rules.forEach((rule, index) => {
    const before = existing.get(rule.name);
    if (before === undefined) {
      changes.push({
        action: 'add',
        kind: 'rule',
        label: rule.name,
        fields: [{ field: 'position', to: index + 1 }, ...addedFields(rule)],
      });
      return;
    }
    const fields = changedFields(before, rule);
    if (fields.length > 0)
      changes.push({ action: 'change', kind: 'rule', label: rule.name, fields });
    if (moved.has(rule.name)) {
      const from = current.findIndex((r) => r.name === rule.name) + 1;
      changes.push({
        action: 'move',
        kind: 'rule',
        label: rule.name,
        fields: [{ field: 'position', from, to: index + 1 }],
        note: index === 0 ? 'now first' : `now after ${rules[index - 1]!.name}`,
      });
    }
  });
  for (const rule of current) {
    if (!wantedNames.has(rule.name)) {
      changes.push({
        action: 'remove',
        kind: 'rule',
        label: rule.name,
        fields: [],
        note: `was ${rule.position}: ${rule.effect}`,
      });
    }
  }
  return changes;
}

/**
 * The rules kept that change place: all but a longest run of them that keeps its order (so
 * moving one rule to the top names that rule, not every rule it passes).
 */
function movedRules(wanted: string[], current: string[]): Set<string> {
  const place = new Map(current.map((name, index) => [name, index]));
  const kept = wanted.filter((name) => place.has(name));
  // Longest increasing subsequence of current places, in the wanted order: O(n log n).
  const tails: number[] = [];
  const previous: number[] = new Array<number>(kept.length).fill(-1);
  kept.forEach((name, index) => {
    const at = place.get(name)!;
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (place.get(kept[tails[mid]!]!)! < at) low = mid + 1;
      else high = mid;
    }
    if (low > 0) previous[index] = tails[low - 1]!;
    tails[low] = index;
  });
  const stay = new Set<string>();
  for (let i = tails.length ? tails[tails.length - 1]! : -1; i >= 0; i = previous[i]!) {
    stay.add(kept[i]!);
  }
  return new Set(kept.filter((name) => !stay.has(name)));
}

function addedFields(rule: RuleInput): FieldChange[] {
  const fields: FieldChange[] = [{ field: 'effect', to: rule.effect }];
  for (const part of ['hosts', 'paths', 'methods'] as const) {
    if (rule.match[part].length > 0) fields.push({ field: `match.${part}`, to: rule.match[part] });
  }
  if (rule.require.length > 0) fields.push({ field: 'require', to: rule.require });
  if (rule.description !== null) fields.push({ field: 'description', to: rule.description });
  if (rule.ruleSet !== null) fields.push({ field: 'ruleSet', to: rule.ruleSet });
  return fields;
}

function changedFields(before: RuleInput, after: RuleInput): FieldChange[] {
  const fields: FieldChange[] = [];
  const compare = (field: string, from: unknown, to: unknown, equal: boolean) => {
    if (!equal) fields.push({ field, from, to });
  };
  compare('effect', before.effect, after.effect, before.effect === after.effect);
  for (const part of ['hosts', 'paths', 'methods'] as const) {
    const [from, to] = [before.match[part], after.match[part]];
    compare(`match.${part}`, from, to, sameSet(from, to));
  }
  compare('require', before.require, after.require, sameBlocks(before.require, after.require));
  const description = before.description === after.description;
  compare('description', before.description, after.description, description);
  compare('ruleSet', before.ruleSet, after.ruleSet, before.ruleSet === after.ruleSet);
  return fields;
}

function defaultRuleChange(wanted: DefaultRuleEntry, current: RuleListState): Unsent | undefined {
  const require = (wanted.require ?? []).map(requirementsOf);
  const before = current.defaultRule;
  const fields: FieldChange[] = [];
  if (before.effect !== wanted.effect)
    fields.push({ field: 'effect', from: before.effect, to: wanted.effect });
  if (!sameBlocks(before.require, require))
    fields.push({ field: 'require', from: before.require, to: require });
  if (fields.length === 0) return undefined;
  return { action: 'change', kind: 'default rule', label: 'default', fields };
}

/** A rule in the service's spelling: hosts lower-case, methods upper-case, no repeats. */
export function ruleInput(rule: RuleEntry | RuleState): RuleInput {
  const unique = (list: readonly string[] | undefined, spell: (s: string) => string) => [
    ...new Set((list ?? []).map(spell)),
  ];
  return {
    name: rule.name,
    match: {
      hosts: unique(rule.match?.hosts, (h) => h.toLowerCase()),
      paths: unique(rule.match?.paths, (p) => p),
      methods: unique(rule.match?.methods, (m) => m.toUpperCase()),
    },
    effect: rule.effect,
    require: (rule.require ?? []).map(requirementsOf),
    description: rule.description ?? null,
    ruleSet: rule.ruleSet ?? null,
  };
}

/** A requirement block without empty fields, as the service keeps it. */
function requirementsOf(block: Requirements): Requirements {
  return Object.fromEntries(
    Object.entries(block).filter(
      ([, value]) => value != null && !(Array.isArray(value) && value.length === 0),
    ),
  ) as Requirements;
}

const GROUP_FIELDS = ['anyGroups', 'allGroups', 'readOnlyGroups', 'fullAccessGroups'] as const;

/**
 * Blocks compared as the service decides with them: lists as sets, group names without regard
 * to case (the service spells them as the groups are), claim conditions in order.
 */
function sameBlocks(a: readonly Requirements[], b: readonly Requirements[]): boolean {
  const canonical = (block: Requirements) => {
    const sorted = (list: readonly string[] | undefined, caseless = false) =>
      list === undefined || list.length === 0
        ? undefined
        : [...new Set(list.map((v) => (caseless ? v.toLowerCase() : v)))].sort();
    const out: Record<string, unknown> = {
      ipRanges: sorted(block.ipRanges),
      scopes: sorted(block.scopes),
      claims: block.claims && block.claims.length > 0 ? block.claims : undefined,
    };
    for (const field of GROUP_FIELDS) out[field] = sorted(block[field], true);
    return out;
  };
  return same(a.map(canonical), b.map(canonical));
}

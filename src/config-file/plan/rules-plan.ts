import type { AccessRuleEntry, ConfigDocument } from '../config-document.js';
import { keyedAccessRules, pathRuleKey, pathRuleLabel } from '../config-keys.js';
import type { AccessRuleState, ServiceState } from '../service-state.js';
import { bodyOf, isEmpty, sameSet } from './compare.js';
import type { FieldChange, Plan } from './plan-types.js';

export function planPathRules(
  wanted: NonNullable<ConfigDocument['pathRules']>,
  state: ServiceState,
  plan: Plan,
): void {
  const current = new Map<string, (typeof state.pathRules)[number]>();
  const surplus: typeof state.pathRules = [];
  for (const rule of state.pathRules) {
    if (current.has(pathRuleKey(rule))) surplus.push(rule);
    else current.set(pathRuleKey(rule), rule);
  }
  for (const rule of wanted) {
    const key = pathRuleKey(rule);
    const existing = current.get(key);
    current.delete(key);
    const description = rule.description ?? null;
    if (!existing) {
      plan.changes.push({
        action: 'add',
        kind: 'path rule',
        label: pathRuleLabel(rule),
        fields: [{ field: 'access', to: rule.access }],
        request: {
          method: 'POST',
          path: '/v1/admin/path-rules',
          body: {
            pattern: rule.pattern,
            access: rule.access,
            methods: rule.methods ?? [],
            host: rule.host ?? null,
            description,
          },
        },
      });
      continue;
    }
    const fields: FieldChange[] = [];
    if (existing.access !== rule.access)
      fields.push({ field: 'access', from: existing.access, to: rule.access });
    if (existing.description !== description) {
      fields.push({ field: 'description', from: existing.description, to: description });
    }
    if (fields.length > 0) {
      plan.changes.push({
        action: 'change',
        kind: 'path rule',
        label: pathRuleLabel(rule),
        fields,
        request: {
          method: 'PATCH',
          path: `/v1/admin/path-rules/${existing.id}`,
          body: bodyOf(fields),
        },
      });
    }
  }
  for (const rule of [...current.values(), ...surplus]) {
    plan.changes.push({
      action: 'remove',
      kind: 'path rule',
      label: pathRuleLabel(rule),
      fields: [],
      note: `${rule.access}`,
      request: { method: 'DELETE', path: `/v1/admin/path-rules/${rule.id}` },
    });
  }
}

const ACCESS_LISTS = ['allowedIps', 'allowedGroups', 'readOnlyGroups', 'fullAccessGroups'] as const;

export function planAccessRules(wanted: AccessRuleEntry[], state: ServiceState, plan: Plan): void {
  const current = new Map(keyedAccessRules(state.accessRules).map((k) => [k.key, k.rule]));
  for (const { key, label, rule } of keyedAccessRules(wanted)) {
    const existing: AccessRuleState | undefined = current.get(key);
    current.delete(key);
    const full = {
      host: rule.host ?? null,
      allowedIps: rule.allowedIps ?? [],
      allowedGroups: rule.allowedGroups ?? [],
      readOnlyGroups: rule.readOnlyGroups ?? [],
      fullAccessGroups: rule.fullAccessGroups ?? [],
      description: rule.description ?? null,
    };
    if (!existing) {
      plan.changes.push({
        action: 'add',
        kind: 'access rule',
        label,
        fields: Object.entries(full)
          .filter(([field, value]) => field !== 'host' && !isEmpty(value))
          .map(([field, to]) => ({ field, to })),
        request: { method: 'POST', path: '/v1/admin/access-rules', body: full },
      });
      continue;
    }
    const fields: FieldChange[] = [];
    for (const list of ACCESS_LISTS) {
      const caseless = list !== 'allowedIps';
      if (!sameSet(full[list], existing[list], caseless)) {
        fields.push({ field: list, from: existing[list], to: full[list] });
      }
    }
    if (existing.description !== full.description) {
      fields.push({ field: 'description', from: existing.description, to: full.description });
    }
    if (fields.length > 0) {
      plan.changes.push({
        action: 'change',
        kind: 'access rule',
        label,
        fields,
        request: {
          method: 'PATCH',
          path: `/v1/admin/access-rules/${existing.id}`,
          body: bodyOf(fields),
        },
      });
    }
  }
  const leftover = keyedAccessRules(state.accessRules).filter((k) => current.has(k.key));
  for (const { label, rule } of leftover) {
    plan.changes.push({
      action: 'remove',
      kind: 'access rule',
      label,
      fields: [],
      request: { method: 'DELETE', path: `/v1/admin/access-rules/${rule.id}` },
    });
  }
}

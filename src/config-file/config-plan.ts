import {
  PROVIDER_FIELDS,
  SETTINGS_FIELDS,
  type AccessRuleEntry,
  type ConfigDocument,
  type ProviderEntry,
} from './config-document.js';
import { keyedAccessRules, nameKey, pathRuleKey, pathRuleLabel } from './config-keys.js';
import type { AccessRuleState, ProviderState, ServiceState } from './service-state.js';

export type ChangeAction = 'add' | 'change' | 'remove';
export type ResourceKind = 'settings' | 'group' | 'path rule' | 'access rule' | 'provider';

export interface FieldChange {
  field: string;
  from?: unknown;
  to: unknown;
}

/** The admin API call that carries out a change; a client secret is read only when it is sent. */
export interface ChangeRequest {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: Record<string, unknown>;
  /** Send `clientSecret` from this environment variable (or null to remove it). */
  clientSecretFrom?: string | null;
}

export interface PlannedChange {
  action: ChangeAction;
  kind: ResourceKind;
  /** The resource's natural key, in words. */
  label: string;
  fields: FieldChange[];
  note?: string;
  request: ChangeRequest;
}

export interface Plan {
  changes: PlannedChange[];
  /** Things apply will not do, and why (a group the caller belongs to is never removed). */
  notes: string[];
}

export interface PlanOptions {
  /** Send every referenced client secret again (the service never shows them, so cannot compare). */
  updateSecrets?: boolean;
}

/**
 * Order of execution: things others refer to are created first and removed last (groups before
 * the access rules that name them; access rules changed before groups go).
 */
const PHASES: Record<string, number> = {
  'change settings': 0,
  'add group': 1,
  'change group': 1,
  'remove provider (replaced)': 2,
  'add provider': 3,
  'change provider': 3,
  'add path rule': 4,
  'change path rule': 4,
  'add access rule': 5,
  'change access rule': 5,
  'remove access rule': 6,
  'remove path rule': 7,
  'remove provider': 8,
  'remove group': 9,
};

function phase(change: PlannedChange): number {
  const replaced = change.note?.startsWith('replaced') ? ' (replaced)' : '';
  return PHASES[`${change.action} ${change.kind}${replaced}`] ?? 5;
}

/** The file cannot be applied to this service as it is: nothing is changed. */
export class PlanError extends Error {
  override name = 'PlanError';
  constructor(readonly problems: string[]) {
    super(`The file cannot be applied:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

const GROUP_LISTS = ['allowedGroups', 'readOnlyGroups', 'fullAccessGroups'] as const;

/**
 * Access rules may name only groups that will exist: the file's, or, where the file has no groups
 * section, the service's; plus the groups the caller belongs to, which apply never removes. The
 * service would refuse any other half-way through.
 */
function checkGroupReferences(doc: ConfigDocument, state: ServiceState): void {
  const existing = new Set(state.groups.map((g) => nameKey(g.name)));
  const available =
    doc.groups === undefined
      ? existing
      : new Set([
          ...doc.groups.map((g) => nameKey(g.name)),
          ...state.callerGroups.map(nameKey).filter((name) => existing.has(name)),
        ]);
  const problems: string[] = [];
  doc.accessRules?.forEach((rule, index) => {
    for (const list of GROUP_LISTS) {
      rule[list]?.forEach((name, position) => {
        if (!available.has(nameKey(name))) {
          problems.push(
            `/accessRules/${index}/${list}/${position}: no group "${name}" in the file${doc.groups === undefined ? ' or the service' : ''}`,
          );
        }
      });
    }
  });
  if (problems.length > 0) throw new PlanError(problems);
}

/** What `apply` would do to make the service match the file: empty when they match. */
export function computePlan(
  doc: ConfigDocument,
  state: ServiceState,
  options: PlanOptions = {},
): Plan {
  checkGroupReferences(doc, state);
  const plan: Plan = { changes: [], notes: [] };
  if (doc.settings !== undefined) planSettings(doc.settings, state, plan);
  if (doc.groups !== undefined) planGroups(doc.groups, state, plan);
  if (doc.pathRules !== undefined) planPathRules(doc.pathRules, state, plan);
  if (doc.accessRules !== undefined) planAccessRules(doc.accessRules, state, plan);
  if (doc.providers !== undefined) planProviders(doc.providers, state, plan, options);
  plan.changes = plan.changes
    .map((change, index) => ({ change, index }))
    .sort((a, b) => phase(a.change) - phase(b.change) || a.index - b.index)
    .map(({ change }) => change);
  return plan;
}

function planSettings(
  wanted: NonNullable<ConfigDocument['settings']>,
  state: ServiceState,
  plan: Plan,
): void {
  const fields: FieldChange[] = [];
  for (const field of SETTINGS_FIELDS) {
    const to = wanted[field];
    if (to === undefined) continue;
    const from = state.settings[field];
    const equal =
      field === 'trustedProxies' ? sameSet(to as string[], from as string[]) : same(to, from);
    if (!equal) fields.push({ field, from, to });
  }
  if (fields.length === 0) return;
  plan.changes.push({
    action: 'change',
    kind: 'settings',
    label: 'settings',
    fields,
    request: { method: 'PATCH', path: '/v1/admin/settings', body: bodyOf(fields) },
  });
}

function planGroups(
  wanted: NonNullable<ConfigDocument['groups']>,
  state: ServiceState,
  plan: Plan,
) {
  const current = new Map(state.groups.map((g) => [nameKey(g.name), g]));
  const mine = new Set(state.callerGroups.map(nameKey));
  for (const group of wanted) {
    const existing = current.get(nameKey(group.name));
    current.delete(nameKey(group.name));
    const description = group.description ?? null;
    if (!existing) {
      plan.changes.push({
        action: 'add',
        kind: 'group',
        label: group.name,
        fields: description === null ? [] : [{ field: 'description', to: description }],
        request: {
          method: 'POST',
          path: '/v1/admin/groups',
          body: { name: group.name, description },
        },
      });
      continue;
    }
    const fields: FieldChange[] = [];
    if (existing.name !== group.name)
      fields.push({ field: 'name', from: existing.name, to: group.name });
    if (existing.description !== description) {
      fields.push({ field: 'description', from: existing.description, to: description });
    }
    if (fields.length > 0) {
      plan.changes.push({
        action: 'change',
        kind: 'group',
        label: existing.name,
        fields,
        request: { method: 'PATCH', path: `/v1/admin/groups/${existing.id}`, body: bodyOf(fields) },
      });
    }
  }
  for (const group of current.values()) {
    if (mine.has(nameKey(group.name))) {
      plan.notes.push(
        `group ${group.name} is not in the file but is kept: you are a member (removing it could lock you out)`,
      );
      continue;
    }
    plan.changes.push({
      action: 'remove',
      kind: 'group',
      label: group.name,
      fields: [],
      note: group.memberCount > 0 ? `${group.memberCount} member(s) lose it` : undefined,
      request: { method: 'DELETE', path: `/v1/admin/groups/${group.id}` },
    });
  }
}

function planPathRules(
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

function planAccessRules(wanted: AccessRuleEntry[], state: ServiceState, plan: Plan): void {
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

function planProviders(
  wanted: ProviderEntry[],
  state: ServiceState,
  plan: Plan,
  options: PlanOptions,
): void {
  const current = new Map(state.providers.map((p) => [nameKey(p.name), p]));
  for (const provider of wanted) {
    let existing: ProviderState | undefined = current.get(nameKey(provider.name));
    current.delete(nameKey(provider.name));
    if (existing && existing.preset !== provider.preset) {
      // The preset of a provider cannot change: it is replaced (its test results are lost).
      plan.changes.push(
        removeProvider(existing, `replaced: preset ${existing.preset} -> ${provider.preset}`),
      );
      existing = undefined;
    }
    if (!existing) {
      plan.changes.push(addProvider(provider));
      continue;
    }
    const fields: FieldChange[] = [];
    if (existing.name !== provider.name)
      fields.push({ field: 'name', from: existing.name, to: provider.name });
    for (const field of PROVIDER_FIELDS) {
      const to = provider[field];
      if (to !== undefined && !same(to, existing[field])) {
        fields.push({ field, from: existing[field], to });
      }
    }
    let clientSecretFrom: string | null | undefined;
    const secret = provider.clientSecret;
    if (secret === null && existing.hasClientSecret) {
      clientSecretFrom = null;
      fields.push({ field: 'clientSecret', from: '(set)', to: null });
    } else if (secret && (!existing.hasClientSecret || options.updateSecrets)) {
      clientSecretFrom = secret.env;
      fields.push({
        field: 'clientSecret',
        from: existing.hasClientSecret ? '(set)' : null,
        to: `$${secret.env}`,
      });
    }
    if (fields.length > 0) {
      plan.changes.push({
        action: 'change',
        kind: 'provider',
        label: existing.name,
        fields,
        request: {
          method: 'PATCH',
          path: `/v1/admin/providers/${existing.id}`,
          body: bodyOf(fields.filter((f) => f.field !== 'clientSecret')),
          ...(clientSecretFrom !== undefined && { clientSecretFrom }),
        },
      });
    }
  }
  for (const provider of current.values()) plan.changes.push(removeProvider(provider));
}

function addProvider(provider: ProviderEntry): PlannedChange {
  const body: Record<string, unknown> = { name: provider.name, preset: provider.preset };
  if (provider.discover !== undefined) body.discover = provider.discover;
  for (const field of PROVIDER_FIELDS) {
    if (provider[field] !== undefined) body[field] = provider[field];
  }
  const fields = Object.entries(body)
    .filter(([field, value]) => field !== 'name' && value !== null)
    .map(([field, to]) => ({ field, to }));
  if (provider.clientSecret)
    fields.push({ field: 'clientSecret', to: `$${provider.clientSecret.env}` });
  return {
    action: 'add',
    kind: 'provider',
    label: provider.name,
    fields,
    request: {
      method: 'POST',
      path: '/v1/admin/providers',
      body,
      ...(provider.clientSecret && { clientSecretFrom: provider.clientSecret.env }),
    },
  };
}

function removeProvider(provider: ProviderState, note?: string): PlannedChange {
  return {
    action: 'remove',
    kind: 'provider',
    label: provider.name,
    fields: [],
    note,
    request: { method: 'DELETE', path: `/v1/admin/providers/${provider.id}` },
  };
}

function bodyOf(fields: FieldChange[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f.field, f.to]));
}

function isEmpty(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.length === 0);
}

/** Lists compared as sets (the service keeps them in the order given, which means nothing). */
function sameSet(a: string[] | undefined, b: string[] | undefined, caseless = false): boolean {
  const norm = (list: string[] | undefined) =>
    [...new Set((list ?? []).map((v) => (caseless ? v.toLowerCase() : v)))].sort();
  return same(norm(a), norm(b));
}

/** Deep equality of JSON values, objects compared without regard to key order. */
export function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([x], [y]) => x.localeCompare(y)),
        )
      : v,
  );
}

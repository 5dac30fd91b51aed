import { PROVIDER_FIELDS, type ProviderEntry } from '../config-document.js';
import { nameKey } from '../config-keys.js';
import type { ProviderState, ServiceState } from '../service-state.js';
import { bodyOf, same } from './compare.js';
import type { FieldChange, Plan, PlanOptions, PlannedChange } from './plan-types.js';

export function planProviders(
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

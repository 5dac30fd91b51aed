import { SETTINGS_FIELDS, type ConfigDocument } from '../config-document.js';
import type { ServiceState } from '../service-state.js';
import { bodyOf, same, sameSet } from './compare.js';
import type { FieldChange, Plan } from './plan-types.js';

export function planSettings(
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

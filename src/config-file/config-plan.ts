import type { ConfigDocument } from './config-document.js';
import { checkGroupReferences, planGroups } from './plan/groups-plan.js';
import type { Plan, PlanOptions, PlannedChange } from './plan/plan-types.js';
import { planProviders } from './plan/providers-plan.js';
import { planAccessRules, planPathRules } from './plan/rules-plan.js';
import { planSettings } from './plan/settings-plan.js';
import type { ServiceState } from './service-state.js';

export { same } from './plan/compare.js';
export * from './plan/plan-types.js';

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

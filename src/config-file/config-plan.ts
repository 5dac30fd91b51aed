import type { ConfigDocument } from './config-document.js';
import { checkGroupReferences, planGroups } from './plan/groups-plan.js';
import type { Plan, PlanOptions, PlannedChange } from './plan/plan-types.js';
import { planProviders } from './plan/providers-plan.js';
import { withLegacySectionsTranslated } from './plan/legacy-sections.js';
import { planRules } from './plan/rules-plan.js';
import { planSettings } from './plan/settings-plan.js';
import type { ServiceState } from './service-state.js';

export { same } from './plan/compare.js';
export * from './plan/plan-types.js';

/**
 * Order of execution: things others refer to are created first and removed last (groups before
 * the rules that name them; rules changed before groups go). Changes to rules are one request.
 */
const PHASES: Record<string, number> = {
  'change settings': 0,
  'add group': 1,
  'change group': 1,
  'remove provider (replaced)': 2,
  'add provider': 3,
  'change provider': 3,
  'add rule': 5,
  'change rule': 5,
  'move rule': 5,
  'remove rule': 5,
  'change default rule': 5,
  'remove provider': 8,
  'remove group': 9,
};

function phase(change: PlannedChange): number {
  const replaced = change.note?.startsWith('replaced') ? ' (replaced)' : '';
  return PHASES[`${change.action} ${change.kind}${replaced}`] ?? 5;
}

/** What `apply` would do to make the service match the file: empty when they match. */
export function computePlan(
  file: ConfigDocument,
  state: ServiceState,
  options: PlanOptions = {},
): Plan {
  checkGroupReferences(file, state);
  const { doc, notes } = withLegacySectionsTranslated(file);
  const plan: Plan = { changes: [], notes, warnings: [] };
  if (doc.settings !== undefined) planSettings(doc.settings, state, plan);
  if (doc.groups !== undefined) planGroups(doc.groups, state, plan);
  if (doc.rules !== undefined || doc.defaultRule !== undefined) {
    planRules(doc.rules, doc.defaultRule, state, plan);
  }
  if (doc.providers !== undefined) planProviders(doc.providers, state, plan, options);
  plan.changes = plan.changes
    .map((change, index) => ({ change, index }))
    .sort((a, b) => phase(a.change) - phase(b.change) || a.index - b.index)
    .map(({ change }) => change);
  return plan;
}

import type { ConfigDocument } from '../config-document.js';
import { nameKey } from '../config-keys.js';
import type { ServiceState } from '../service-state.js';
import { bodyOf } from './compare.js';
import { formatRate, parseRate } from '../../core/rate.js';
import { PlanError, type FieldChange, type Plan } from './plan-types.js';

/** A rate as the service writes it ("600/minute" and "600 per minute" are one rate). */
function canonicalRate(text: string | null | undefined): string | null {
  if (text == null) return null;
  const rate = parseRate(text);
  return rate === undefined ? text : formatRate(rate);
}

const ACCESS_RULE_GROUP_LISTS = ['allowedGroups', 'readOnlyGroups', 'fullAccessGroups'] as const;
const RULE_GROUP_LISTS = ['anyGroups', 'allGroups', 'readOnlyGroups', 'fullAccessGroups'] as const;

/**
 * Rules (and the old access rules) may name only groups that will exist: the file's, or, where
 * the file has no groups section, the service's; plus the groups the caller belongs to, which
 * apply never removes. The service would refuse any other.
 */
export function checkGroupReferences(doc: ConfigDocument, state: ServiceState): void {
  const existing = new Set(state.groups.map((g) => nameKey(g.name)));
  const available =
    doc.groups === undefined
      ? existing
      : new Set([
          ...doc.groups.map((g) => nameKey(g.name)),
          ...state.callerGroups.map(nameKey).filter((name) => existing.has(name)),
        ]);
  const problems: string[] = [];
  const check = (at: string, names: readonly string[] | undefined) =>
    names?.forEach((name, position) => {
      if (!available.has(nameKey(name))) {
        problems.push(
          `${at}/${position}: no group "${name}" in the file${doc.groups === undefined ? ' or the service' : ''}`,
        );
      }
    });
  doc.accessRules?.forEach((rule, index) => {
    for (const list of ACCESS_RULE_GROUP_LISTS) check(`/accessRules/${index}/${list}`, rule[list]);
  });
  const blocks = [
    ...(doc.rules ?? []).flatMap((rule, r) =>
      (rule.require ?? []).map((block, b) => ({ block, at: `/rules/${r}/require/${b}` })),
    ),
    ...(doc.defaultRule?.require ?? []).map((block, b) => ({
      block,
      at: `/defaultRule/require/${b}`,
    })),
  ];
  for (const { block, at } of blocks) {
    for (const list of RULE_GROUP_LISTS) check(`${at}/${list}`, block[list]);
  }
  if (problems.length > 0) throw new PlanError(problems);
}

export function planGroups(
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
    const rateLimit = canonicalRate(group.rateLimit);
    if (!existing) {
      plan.changes.push({
        action: 'add',
        kind: 'group',
        label: group.name,
        fields: [
          ...(description === null ? [] : [{ field: 'description', to: description }]),
          ...(rateLimit === null ? [] : [{ field: 'rateLimit', to: rateLimit }]),
        ],
        request: {
          method: 'POST',
          path: '/v1/admin/groups',
          body: { name: group.name, description, ...(rateLimit !== null && { rateLimit }) },
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
    const currentRate = canonicalRate(existing.rateLimit);
    if (currentRate !== rateLimit) {
      fields.push({ field: 'rateLimit', from: currentRate, to: rateLimit });
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

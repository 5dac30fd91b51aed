import type { EntityManager } from 'typeorm';
import { DEFAULT_RULE_NAME, type Requirements } from './rules/rule.js';

const GROUP_FIELDS = ['anyGroups', 'allGroups', 'readOnlyGroups', 'fullAccessGroups'] as const;

interface RequirementsRow {
  name: string;
  require: Requirements[];
}

/** Every rule's requirement blocks, and the default rule's (named `default`). */
async function requirementRows(manager: EntityManager): Promise<RequirementsRow[]> {
  return manager.query(
    `SELECT name, requirements AS "require" FROM rules WHERE requirements <> '[]'::jsonb
      UNION ALL
     SELECT '${DEFAULT_RULE_NAME}', default_rule_requirements FROM settings`,
  );
}

function names(block: Requirements, group: string): boolean {
  const lower = group.toLowerCase();
  return GROUP_FIELDS.some((field) => block[field]?.some((name) => name.toLowerCase() === lower));
}

/** The names of the rules that name a group (names compare without regard to case). */
export async function rulesNaming(manager: EntityManager, group: string): Promise<string[]> {
  const rows = await requirementRows(manager);
  return rows.filter((row) => row.require.some((block) => names(block, group))).map((r) => r.name);
}

/** Follows a group's rename in every rule that names it, keeping each list's order. */
export async function renameGroupInRules(
  manager: EntityManager,
  from: string,
  to: string,
): Promise<void> {
  const lower = from.toLowerCase();
  const rename = (block: Requirements): Requirements => {
    const renamed: Requirements = { ...block };
    for (const field of GROUP_FIELDS) {
      const list = block[field];
      if (list) renamed[field] = list.map((name) => (name.toLowerCase() === lower ? to : name));
    }
    return renamed;
  };
  for (const row of await requirementRows(manager)) {
    if (!row.require.some((block) => names(block, from))) continue;
    const require = JSON.stringify(row.require.map(rename));
    await (row.name === DEFAULT_RULE_NAME
      ? manager.query('UPDATE settings SET default_rule_requirements = $1', [require])
      : manager.query('UPDATE rules SET requirements = $1, updated_at = now() WHERE name = $2', [
          require,
          row.name,
        ]));
  }
}

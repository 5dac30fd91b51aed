import type { EntityManager } from 'typeorm';

const GROUP_COLUMNS = ['allowed_groups', 'read_only_groups', 'full_access_groups'] as const;
const NAMES_GROUP = `EXISTS (SELECT 1 FROM unnest(${GROUP_COLUMNS.join(' || ')}) AS g WHERE lower(g) = lower($1))`;

/** The ids of the access rules that name a group (names compare without regard to case). */
export async function accessRulesNaming(manager: EntityManager, group: string): Promise<string[]> {
  const rows: { id: string }[] = await manager.query(
    `SELECT id FROM access_rules WHERE ${NAMES_GROUP} ORDER BY created_at`,
    [group],
  );
  return rows.map((row) => row.id);
}

/** Follows a group's rename in every access rule that names it, keeping each list's order. */
export async function renameGroupInAccessRules(
  manager: EntityManager,
  from: string,
  to: string,
): Promise<void> {
  const renamed = (column: string) =>
    `${column} = ARRAY(SELECT CASE WHEN lower(g) = lower($1) THEN $2 ELSE g END
                         FROM unnest(${column}) WITH ORDINALITY AS t(g, i) ORDER BY i)`;
  await manager.query(
    `UPDATE access_rules SET ${GROUP_COLUMNS.map(renamed).join(', ')}, updated_at = now()
      WHERE ${NAMES_GROUP}`,
    [from, to],
  );
}

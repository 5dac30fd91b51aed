import type { ConfigDocument } from './config-document.js';
import { nameKey, pathRuleKey, pathRuleLabel } from './config-keys.js';

/** What the schema cannot say: two entries with one natural key. */
export function crossReferenceProblems(
  doc: ConfigDocument,
): { pointer: string; message: string }[] {
  const problems: { pointer: string; message: string }[] = [];
  const duplicates = <T>(
    section: string,
    items: T[] | undefined,
    key: (item: T) => string,
    label: (item: T) => string,
  ) => {
    const first = new Map<string, number>();
    items?.forEach((item, index) => {
      const k = key(item);
      const earlier = first.get(k);
      if (earlier === undefined) first.set(k, index);
      else
        problems.push({
          pointer: `/${section}/${index}`,
          message: `/${section}/${index}: ${label(item)} is given twice (first at /${section}/${earlier})`,
        });
    });
  };
  duplicates(
    'groups',
    doc.groups,
    (g) => nameKey(g.name),
    (g) => `group "${g.name}"`,
  );
  duplicates('pathRules', doc.pathRules, pathRuleKey, (r) => `path rule ${pathRuleLabel(r)}`);
  duplicates(
    'providers',
    doc.providers,
    (p) => nameKey(p.name),
    (p) => `provider "${p.name}"`,
  );

  return problems;
}

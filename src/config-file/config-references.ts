import type { ConfigDocument } from './config-document.js';
import { nameKey, pathRuleKey, pathRuleLabel } from './config-keys.js';

interface Problem {
  pointer: string;
  message: string;
}

/** What the schema cannot say: two entries with one natural key, and sections that conflict. */
export function crossReferenceProblems(doc: ConfigDocument): Problem[] {
  const problems: Problem[] = [];
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
  duplicates(
    'rules',
    doc.rules,
    (r) => r.name,
    (r) => `rule "${r.name}"`,
  );
  duplicates('pathRules', doc.pathRules, pathRuleKey, (r) => `path rule ${pathRuleLabel(r)}`);
  duplicates(
    'providers',
    doc.providers,
    (p) => nameKey(p.name),
    (p) => `provider "${p.name}"`,
  );
  problems.push(...legacySectionProblems(doc), ...ruleProblems(doc));
  return problems;
}

/** pathRules and accessRules are translated together into rules, never mixed with them. */
function legacySectionProblems(doc: ConfigDocument): Problem[] {
  const legacy = (['pathRules', 'accessRules'] as const).filter((s) => doc[s] !== undefined);
  if (legacy.length === 0) return [];
  const at = `/${legacy[0]}`;
  const replaced = 'pathRules and accessRules are replaced by rules';
  if (doc.rules !== undefined || doc.defaultRule !== undefined) {
    const other = doc.rules !== undefined ? 'rules' : 'defaultRule';
    return [
      {
        pointer: at,
        message: `${at}: ${replaced}: give ${other} or the old sections, not both (run export for a file with rules only)`,
      },
    ];
  }
  if (legacy.length === 1) {
    const missing = legacy[0] === 'pathRules' ? 'accessRules' : 'pathRules';
    return [
      {
        pointer: at,
        message: `${at}: ${replaced}, and are translated together: add "${missing}: []" if there are none, or run export for a file with rules`,
      },
    ];
  }
  return [];
}

/** What the service would refuse half-way, said with the place in the file. */
function ruleProblems(doc: ConfigDocument): Problem[] {
  const problems: Problem[] = [];
  doc.rules?.forEach((rule, index) => {
    if (rule.name === 'default') {
      problems.push({
        pointer: `/rules/${index}/name`,
        message: `/rules/${index}/name: "default" names the default rule (the defaultRule section)`,
      });
    }
    if ((rule.effect === 'bypass' || rule.effect === 'deny') && (rule.require?.length ?? 0) > 0) {
      problems.push({
        pointer: `/rules/${index}/require`,
        message: `/rules/${index}/require: a ${rule.effect} rule has no requirements: it decides without a credential`,
      });
    }
  });
  if (doc.defaultRule?.effect === 'deny' && (doc.defaultRule.require?.length ?? 0) > 0) {
    problems.push({
      pointer: '/defaultRule/require',
      message: '/defaultRule/require: a deny default has no requirements',
    });
  }
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
    block.claims?.forEach((condition, c) => {
      const tests = ['equals', 'oneOf', 'contains'].filter(
        (test) => (condition as Record<string, unknown>)[test] !== undefined,
      );
      if (tests.length !== 1) {
        problems.push({
          pointer: `${at}/claims/${c}`,
          message: `${at}/claims/${c}: a claim condition needs exactly one of equals, oneOf or contains`,
        });
      }
    });
  }
  return problems;
}

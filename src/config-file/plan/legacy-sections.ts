import { translateLegacyRules } from '../../policies/rules/legacy-rules.js';
import type { ConfigDocument, RuleEntry } from '../config-document.js';

/**
 * A file written before ordered rules, with `pathRules` and `accessRules`: the same document with
 * them translated into `rules` and `defaultRule` (the translation the database migration made,
 * so the file decides as it did), and notes that say so. The reader has already refused a file
 * with rules besides them, or with only one of the two.
 */
export function withLegacySectionsTranslated(doc: ConfigDocument): {
  doc: ConfigDocument;
  notes: string[];
} {
  if (doc.pathRules === undefined && doc.accessRules === undefined) return { doc, notes: [] };
  const { pathRules = [], accessRules = [], ...rest } = doc;
  const { list, warnings } = translateLegacyRules(
    pathRules.map((rule, index) => ({
      // The translation names its sources by id in descriptions and warnings: the file's place.
      id: `/pathRules/${index}`,
      access: rule.access,
      pattern: rule.pattern,
      methods: (rule.methods ?? []).map((method) => method.toUpperCase()),
      host: rule.host ?? null,
    })),
    accessRules.map((rule, index) => ({
      id: `/accessRules/${index}`,
      host: rule.host ?? null,
      allowedIps: rule.allowedIps ?? [],
      allowedGroups: rule.allowedGroups ?? [],
      readOnlyGroups: rule.readOnlyGroups ?? [],
      fullAccessGroups: rule.fullAccessGroups ?? [],
    })),
  );
  const rules = list.rules.map((rule): RuleEntry => ({
    name: rule.name,
    match: {
      hosts: [...rule.match.hosts],
      paths: [...rule.match.paths],
      methods: [...rule.match.methods],
    },
    effect: rule.effect,
    require: [...rule.require],
    description: rule.description ?? null,
  }));
  return {
    doc: {
      ...rest,
      rules,
      defaultRule: { effect: list.defaultRule.effect, require: [...list.defaultRule.require] },
    },
    notes: [
      `pathRules and accessRules are replaced by rules; translated into ${rules.length} rule(s) ` +
        'and the default rule — run export to get the new file',
      ...warnings.map((warning) => `translation: ${warning}`),
    ],
  };
}

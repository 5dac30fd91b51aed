import type { DecisionRequest } from '../../core/decision-request.js';
import { RuleMatcher } from './rule-matcher.js';
import type { RuleList, RuleSpec } from './rule.js';

/**
 * Every list of rules, compiled: the global list, and each named rule set (the rules whose
 * `ruleSet` names it, in list order). A request that names a set is decided by that set's rules
 * alone, then the default rule; one that names none, by the global list. A set exists while a rule
 * names it, so a request naming a set that does not exist (a typo in the proxy's configuration,
 * or a set whose last rule was deleted) has no list at all, and is refused.
 */
export class RuleBook {
  private constructor(
    private readonly global: RuleMatcher,
    private readonly sets: ReadonlyMap<string, RuleMatcher>,
  ) {}

  static compile(list: RuleList): RuleBook {
    const global: RuleSpec[] = [];
    const named = new Map<string, RuleSpec[]>();
    for (const rule of list.rules) {
      const set = rule.ruleSet ?? null;
      if (set === null) {
        global.push(rule);
        continue;
      }
      const rules = named.get(set);
      if (rules === undefined) named.set(set, [rule]);
      else rules.push(rule);
    }
    const sets = new Map<string, RuleMatcher>();
    for (const [name, rules] of named) {
      sets.set(name, RuleMatcher.compile({ rules, defaultRule: list.defaultRule }));
    }
    return new RuleBook(
      RuleMatcher.compile({ rules: global, defaultRule: list.defaultRule }),
      sets,
    );
  }

  /** The rules that decide this request; undefined when it names a set that does not exist. */
  matcherFor(request: DecisionRequest): RuleMatcher | undefined {
    return request.ruleSet === null ? this.global : this.sets.get(request.ruleSet);
  }
}

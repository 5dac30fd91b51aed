import fc from 'fast-check';
import { covers, lintRules } from '../../src/policies/rules/rule-lint.js';
import type { RuleSpec } from '../../src/policies/rules/rule.js';

function rule(
  name: string,
  effect: RuleSpec['effect'],
  match: Partial<RuleSpec['match']>,
): RuleSpec {
  return { name, effect, match: { hosts: [], paths: [], methods: [], ...match }, require: [] };
}

describe(lintRules.name, () => {
  it('warns of rules an earlier one always takes, and only when sure', () => {
    const warnings = lintRules([
      rule('admin', 'authenticated', { paths: ['/admin/**'] }),
      rule('admin-users', 'deny', { paths: ['/Admin/users'] }),
      rule('docs', 'public', { paths: ['/docs/**'] }),
      rule('docs-deny', 'deny', { paths: ['/docs/x'] }),
      rule('docs-public', 'public', { paths: ['/docs/y'], methods: ['GET'] }),
      rule('hosted', 'deny', { hosts: ['*.example.com'] }),
      rule('hosted-api', 'deny', { hosts: ['api.example.com'], paths: ['/a'] }),
      rule('other-host', 'deny', { hosts: ['api.example.org'] }),
    ]);
    expect(warnings.filter((w) => w.code === 'unreachable').map((w) => w.rule)).toEqual([
      'admin-users',
      'docs-public',
      'hosted-api',
    ]);
  });

  it('compares a rule only with the earlier rules of its own list', () => {
    const inSet = (spec: RuleSpec, ruleSet: string): RuleSpec => ({ ...spec, ruleSet });
    const warnings = lintRules([
      rule('everything', 'deny', {}),
      inSet(rule('orders', 'authenticated', { paths: ['/orders/**'] }), 'orders-api'),
      inSet(rule('orders-all', 'deny', {}), 'orders-api'),
      inSet(rule('orders-again', 'public', { paths: ['/orders/7'] }), 'orders-api'),
      inSet(rule('partners', 'public', { paths: ['/orders/7'] }), 'partners-api'),
      rule('global-again', 'public', { paths: ['/orders/7'] }),
    ]);
    expect(warnings.map((w) => [w.rule, w.code])).toEqual([
      ['orders-again', 'unreachable'],
      ['global-again', 'unreachable'],
    ]);
    expect(warnings[0]!.message).toContain('orders,');
  });

  it('warns of percent-encoded patterns and methods no client sends', () => {
    const warnings = lintRules([
      rule('encoded', 'deny', { paths: ['/docs/%2e%2e/admin'] }),
      rule('fetch', 'deny', { paths: ['/x'], methods: ['FETCH', 'PATCH'] }),
    ]);
    expect(warnings.map((w) => [w.rule, w.code])).toEqual([
      ['encoded', 'pattern-never-matches'],
      ['fetch', 'unknown-method'],
    ]);
  });

  // The index of earlier rules by first segment must find every cover a plain scan would.
  it('finds the same unreachable rules as comparing every pair', () => {
    const paths = ['/**', '/a/**', '/A/**', '/a/b', '/a/b/**', '/b', '/*/x', '/b/**'];
    const anyRule = fc.record({
      effect: fc.constantFrom('public', 'bypass', 'deny', 'authenticated') as fc.Arbitrary<
        RuleSpec['effect']
      >,
      paths: fc.subarray(paths, { maxLength: 2 }),
      methods: fc.subarray(['GET', 'POST'], { maxLength: 1 }),
      hosts: fc.subarray(['*.example.com', 'api.example.com'], { maxLength: 1 }),
    });
    fc.assert(
      fc.property(fc.array(anyRule, { maxLength: 12 }), (generated) => {
        const rules = generated.map((g, i) => rule(`r${i}`, g.effect, g));
        const unreachable = lintRules(rules)
          .filter((w) => w.code === 'unreachable')
          .map((w) => w.rule);
        const pairwise = rules
          .filter((later, i) => rules.slice(0, i).some((earlier) => covers(earlier, later)))
          .map((r) => r.name);
        expect(unreachable).toEqual(pairwise);
      }),
      { numRuns: 300 },
    );
  });
});

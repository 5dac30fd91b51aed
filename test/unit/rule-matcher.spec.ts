import fc from 'fast-check';
import { forUri, type DecisionRequest } from '../../src/core/decision-request.js';
import { compileHostPattern } from '../../src/policies/host-pattern.js';
import { compilePathPattern, pathPatternCovers } from '../../src/policies/path-pattern.js';
import { RuleMatcher, type MatchResult } from '../../src/policies/rules/rule-matcher.js';
import type { RuleList, RuleSpec } from '../../src/policies/rules/rule.js';

function request(uri: string, method = 'GET', host = 'api.example.com'): DecisionRequest {
  return forUri(uri, {
    interface: 'json',
    method,
    host,
    clientIp: '10.0.0.1',
    authorization: [],
    requestId: null,
  });
}

function rule(
  name: string,
  effect: RuleSpec['effect'],
  match: Partial<RuleSpec['match']> = {},
  require: RuleSpec['require'] = [],
): RuleSpec {
  return { name, effect, match: { hosts: [], paths: [], methods: [], ...match }, require };
}

function list(...rules: RuleSpec[]): RuleList {
  return { rules, defaultRule: { effect: 'authenticated', require: [] } };
}

const nameOf = (result: MatchResult) =>
  result.kind === 'rule' ? result.rule.name : `unreadable:${result.rule.name}`;

describe(RuleMatcher.name, () => {
  const matcher = RuleMatcher.compile(
    list(
      rule('admin-ops', 'authenticated', { paths: ['/admin/**'] }, [{ anyGroups: ['ops'] }]),
      rule('orders-write', 'authenticated', { paths: ['/orders'], methods: ['POST'] }),
      rule('orders-read', 'authenticated', { paths: ['/orders/**'], methods: ['GET', 'HEAD'] }),
      rule('docs', 'public', { paths: ['/docs/**'] }),
      rule('hooks', 'bypass', { paths: ['/hooks/*'], methods: ['POST'] }),
      rule('shop', 'public', { hosts: ['*.shop.example'], paths: ['/catalog/**'] }),
      rule('legacy-host', 'deny', { hosts: ['old.example.com'] }),
    ),
  );
  const first = (uri: string, method?: string, host?: string) =>
    nameOf(matcher.firstMatch(request(uri, method, host)));

  it('decides by the first rule that matches, falling to the default', () => {
    expect(first('/admin/users')).toBe('admin-ops');
    expect(first('/orders', 'POST')).toBe('orders-write');
    expect(first('/orders/7', 'GET')).toBe('orders-read');
    expect(first('/orders/7', 'DELETE')).toBe('default');
    expect(first('/docs/guide')).toBe('docs');
    expect(first('/hooks/github', 'POST')).toBe('hooks');
    expect(first('/catalog/1', 'GET', 'eu.shop.example')).toBe('shop');
    expect(first('/catalog/1', 'GET', 'shop.example')).toBe('default');
    expect(first('/anything', 'GET', 'OLD.example.com.:443')).toBe('legacy-host');
  });

  it('matches rules that protect without regard to case or trailing dots', () => {
    expect(first('/ADMIN/users')).toBe('admin-ops');
    expect(first('/admin./users')).toBe('admin-ops');
    expect(first('/public/../admin/x')).toBe('admin-ops');
  });

  it('never lets public or bypass rules match a path that needed normalising', () => {
    expect(first('/docs/%2e%2e/admin')).toBe('admin-ops');
    expect(first('/docs/x/..%2f..%2fsecret')).toBe('default');
    expect(first('/docs/x#/../../y')).toBe('default');
    expect(first('/DOCS/guide')).toBe('default');
    expect(first('/hooks//github', 'POST')).toBe('default');
  });

  it('refuses to guess for an unreadable path when the answer would depend on it', () => {
    expect(first('/admin/%ff')).toBe('unreadable:admin-ops');
    // orders-write could have matched, but leads where the default does: no need to refuse.
    expect(
      nameOf(
        RuleMatcher.compile(
          list(rule('orders-write', 'authenticated', { paths: ['/orders'] })),
        ).firstMatch(request('/orders/%ff', 'POST')),
      ),
    ).toBe('default');
    // admin-ops, on every host and before the host's rule, might have matched: still refused.
    expect(first('/x/%ff', 'GET', 'old.example.com')).toBe('unreadable:admin-ops');
  });

  it('refuses an unreadable path when any rule that might have matched leads elsewhere, not only the first', () => {
    // orders-read leads where the default does (anyone signed in); admin-ops, after it, does not.
    // Deciding by the default would let anyone signed in reach /admin/%ff.
    const readFirst = RuleMatcher.compile(
      list(
        rule('orders-read', 'authenticated', { paths: ['/orders/**'] }),
        rule('admin-ops', 'authenticated', { paths: ['/admin/**'] }, [{ anyGroups: ['ops'] }]),
      ),
    );
    expect(nameOf(readFirst.firstMatch(request('/admin/%ff')))).toBe('unreadable:admin-ops');
    // As with a deny default: the first rule of another outcome is the one named.
    const denyFirst = RuleMatcher.compile({
      rules: [
        rule('old-export', 'deny', { paths: ['/export/**'] }),
        rule('admin-ops', 'authenticated', { paths: ['/admin/**'] }, [{ anyGroups: ['ops'] }]),
      ],
      defaultRule: { effect: 'deny', require: [] },
    });
    expect(nameOf(denyFirst.firstMatch(request('/admin/%ff')))).toBe('unreadable:admin-ops');
  });

  it('with no rules, sends everything to the default', () => {
    expect(nameOf(RuleMatcher.compile(list()).firstMatch(request('/x')))).toBe('default');
  });

  // The compiled, indexed matcher against a naive reading of the rules, one after another.
  it('matches exactly as the rules read one by one, for random rules and requests', () => {
    const hosts = [
      'api.example.com',
      'admin.example.com',
      '*.example.com',
      'x.*',
      '*.shop.example',
      'µ.test',
    ];
    const patterns = [
      '/',
      '/**',
      '/admin/**',
      '/Admin',
      '/docs/*',
      '/docs/**',
      '/*/x',
      '/orders',
      '/orders/**',
      '/µ/**',
      '/a./b',
      '/v1/*.json',
    ];
    const paths = [
      '/',
      '/admin',
      '/ADMIN/x',
      '/admin./x',
      '/docs/a',
      '/docs/a/b',
      '/Docs/a',
      '/orders',
      '/orders/',
      '/orders/1',
      '/μ/x',
      '/µ/x',
      '/a/b',
      '/a./b',
      '/q/x',
      '/v1/a.json',
      '/docs/%2e%2e/admin',
      '/docs/a#/../../admin',
      '/admin/%ff',
      '/x/%00',
      '//admin',
      '/docs/..;/admin',
    ];
    const requestHosts = [
      'api.example.com',
      'ADMIN.example.com:8443',
      'a.b.example.com',
      'x.y',
      'eu.shop.example',
      'µ.test',
      'other.org',
    ];
    const methods = ['GET', 'POST', 'DELETE', 'FETCH'];
    const anyRule = fc.record({
      effect: fc.constantFrom('public', 'bypass', 'deny', 'authenticated') as fc.Arbitrary<
        RuleSpec['effect']
      >,
      hosts: fc.subarray(hosts, { maxLength: 2 }),
      paths: fc.subarray(patterns, { maxLength: 3 }),
      methods: fc.subarray(methods, { maxLength: 2 }),
      group: fc.constantFrom('a', 'b'),
    });
    fc.assert(
      fc.property(
        fc.array(anyRule, { maxLength: 12 }),
        fc.constantFrom('authenticated', 'deny') as fc.Arbitrary<'authenticated' | 'deny'>,
        fc.array(
          fc.tuple(
            fc.constantFrom(...paths),
            fc.constantFrom(...methods),
            fc.constantFrom(...requestHosts),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (generated, defaultEffect, requests) => {
          const rules = generated.map((g, i): RuleSpec => ({
            name: `r${i}`,
            effect: g.effect,
            match: { hosts: g.hosts, paths: g.paths, methods: g.methods },
            require: g.effect === 'bypass' || g.effect === 'deny' ? [] : [{ anyGroups: [g.group] }],
          }));
          const ruleList = { rules, defaultRule: { effect: defaultEffect, require: [] } };
          const compiled = RuleMatcher.compile(ruleList);
          for (const [uri, method, host] of requests) {
            const req = request(uri, method, host);
            expect(nameOf(compiled.firstMatch(req))).toBe(referenceMatch(ruleList, req));
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

/** The rules read one by one, as docs/authorization.md describes them; no index, no shortcuts. */
function referenceMatch(ruleList: RuleList, req: DecisionRequest): string {
  const plain =
    !req.hasFragment && !/%(2f|5c|25|2e|3b)|[;\\]|\/\/|\/\.\.?(\/|$)/i.test(req.rawPath);
  const outcome = (r: { effect: string; require: unknown }) =>
    JSON.stringify([r.effect, r.require]);
  const skipped: RuleSpec[] = [];
  const elsewhere = (decider: { effect: string; require: unknown }) =>
    skipped.find((s) => outcome(s) !== outcome(decider));
  for (const r of ruleList.rules) {
    const hostOk =
      r.match.hosts.length === 0 || r.match.hosts.some((h) => compileHostPattern(h)(req.hostname));
    const methodOk = r.match.methods.length === 0 || r.match.methods.includes(req.method);
    if (!hostOk || !methodOk) continue;
    if (r.match.paths.length === 0) {
      const refused = elsewhere(r);
      return refused === undefined ? r.name : `unreadable:${refused.name}`;
    }
    const opens = r.effect === 'public' || r.effect === 'bypass';
    if (req.path === undefined) {
      // A protecting rule could decide some reading of the path, unless an earlier one takes
      // every path it matches.
      const shadowed = skipped.some((s) =>
        r.match.paths.every((q) => s.match.paths.some((o) => pathPatternCovers(o, q, true))),
      );
      if (!opens && !shadowed) skipped.push(r);
      continue;
    }
    const patterns = r.match.paths.map(compilePathPattern);
    const matched = opens
      ? plain && patterns.some((p) => p.matches(req.path!))
      : patterns.some((p) => p.matchesLoosely(req.path!));
    if (matched) return r.name;
  }
  const refused = elsewhere(ruleList.defaultRule);
  return refused === undefined ? 'default' : `unreadable:${refused.name}`;
}

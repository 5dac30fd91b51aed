import fc from 'fast-check';
import { forUri, type DecisionRequest } from '../../src/core/decision-request.js';
import { RuleMatcher } from '../../src/policies/rules/rule-matcher.js';
import type { RuleSpec } from '../../src/policies/rules/rule.js';

function rule(
  name: string,
  effect: RuleSpec['effect'],
  paths: string[],
  extra: Partial<RuleSpec['match']> = {},
): RuleSpec {
  return { name, effect, match: { hosts: [], methods: [], paths, ...extra }, require: [] };
}

// What path rules used to say, as ordered rules: bypass first, the restricted carve-out before the
// public trees it closes.
const matcher = RuleMatcher.compile({
  rules: [
    rule('legacy', 'bypass', ['/legacy/**']),
    rule('hooks', 'bypass', ['/hooks/*'], { methods: ['POST'] }),
    rule('internal', 'authenticated', ['/docs/internal/**']),
    rule('public-tree', 'public', ['/public/**']),
    rule('docs', 'public', ['/docs/**']),
    rule('shop', 'public', ['/catalog/**'], { hosts: ['*.shop.example'] }),
  ],
  defaultRule: { effect: 'authenticated', require: [] },
});

function request(uri: string, method = 'GET', host = 'api.example'): DecisionRequest {
  return forUri(uri, {
    interface: 'json',
    method,
    host,
    clientIp: '',
    authorization: [],
    requestId: null,
  });
}

/** The rule that decides a request, by name. */
function decidingRule(uri: string, method = 'GET', host = 'api.example'): string {
  const match = matcher.firstMatch(request(uri, method, host));
  return match.kind === 'rule' ? match.rule.name : `unreadable:${match.rule.name}`;
}

/** How an anonymous request fares: bypass, public or protected (needs a credential). */
function classify(uri: string, method = 'GET', host = 'api.example'): string {
  const match = matcher.firstMatch(request(uri, method, host));
  if (match.kind === 'rule' && match.rule.effect === 'bypass') return 'bypass';
  if (match.kind === 'rule' && match.rule.effect === 'public') return 'public';
  return 'protected';
}

describe('Rules and paths', () => {
  it('opens public trees and names the rule', () => {
    expect(decidingRule('/public/a/b?x=1')).toBe('public-tree');
    expect(classify('/public')).toBe('public');
    expect(classify('/publicity')).toBe('protected');
    expect(classify('/api/orders')).toBe('protected');
  });

  it('lets an earlier authenticated rule close part of a public tree, and names it', () => {
    expect(decidingRule('/docs/internal/plan')).toBe('internal');
    expect(classify('/docs/guide')).toBe('public');
  });

  it('bypasses by path and method', () => {
    expect(decidingRule('/legacy/x', 'DELETE')).toBe('legacy');
    expect(classify('/hooks/github', 'POST')).toBe('bypass');
    expect(classify('/hooks/github', 'GET')).toBe('protected');
    expect(classify('/hooks/github/x', 'POST')).toBe('protected');
  });

  it('scopes rules to hosts', () => {
    expect(classify('/catalog/1', 'GET', 'eu.shop.example')).toBe('public');
    expect(classify('/catalog/1', 'GET', 'EU.shop.example:8443')).toBe('public');
    expect(classify('/catalog/1', 'GET', 'shop.example')).toBe('protected');
    expect(classify('/catalog/1', 'GET', '')).toBe('protected');
  });

  it.each([
    '/public/../api/x',
    '/public/%2e%2e/api/x',
    '/public/%2E%2E/api',
    '/public/..%2fapi',
    '/public%2f..%2fapi',
    '/public/..;/api',
    '/public/..\\api',
    '/docs/INTERNAL/plan',
    '/docs/internal./plan',
    '/docs/./internal/plan',
    '/docs//internal/plan',
    '/docs/%69nternal/plan',
    '/PUBLIC/x',
    '/legacy/../api',
  ])('keeps %j protected', (uri) => {
    expect(classify(uri)).toBe('protected');
  });

  it.each([
    '/public//x',
    '/public/./x',
    '/public/a/../x',
    '/public/%2e/x',
    '/public/%252e%252e/api',
    '/public/x;jsessionid=1',
    '/public%2fx',
    '/api/%2e%2e/public/x',
    '/legacy//x',
  ])('will not open the ambiguous %j', (uri) => {
    expect(classify(uri)).toBe('protected');
    expect(classify(uri, 'POST')).toBe('protected');
  });

  it('opens plain percent-encoded public paths', () => {
    expect(classify('/public/caf%C3%A9')).toBe('public');
    expect(classify('/public/a%20b')).toBe('public');
  });

  describe('no encoding trick opens a protected path', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
    // Protected paths: outside every opening rule, or inside the restricted carve-out.
    const protectedPath = fc.oneof(
      fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/api/${s.join('/')}`),
      fc.array(segment, { maxLength: 3 }).map((s) => `/docs/internal/${s.join('/')}`),
    );
    const opener = fc.constantFrom('/public', '/docs', '/legacy', '/catalog', '/hooks/x');

    /** Rewrites of a path that some server reads as the same path. */
    const trick = fc.constantFrom<(path: string, opener: string) => string>(
      (p, o) => `${o}/..${p}`,
      (p, o) => `${o}/%2e%2e${p}`,
      (p, o) => `${o}/%2E%2e${p}`,
      (p, o) => `${o}%2f..%2f${p.slice(1)}`,
      (p, o) => `${o}/..;${p}`,
      (p, o) => `${o}/..%3b${p}`,
      (p, o) => `${o}\\..\\${p.slice(1)}`,
      (p, o) => `${o}/%252e%252e${p}`,
      (p, o) => `${o}//..${p}`,
      (p, o) => `${o}/./..${p}`,
      (p) => p.replace(/\//g, '//'),
      (p) => p.replace(/\//g, '/./'),
      (p) => p.replace(/\/internal/, '/INTERNAL'),
      (p) => p.replace(/\/internal/, '/Internal.'),
      (p) => p.replace(/\/internal/, '/internal%2e'),
      (p) => p.replace(/\/internal/, '/%69nternal'),
      (p) => p.replace(/\/internal/, '/%2569nternal'),
      (p) => `${p}/.`,
      (p) => `${p}/x/..`,
      (p) => `${p}?/public/x`,
      (p) => `${p}#/public/x`,
    );

    it('for any protected path and any rewrite', () => {
      fc.assert(
        fc.property(
          protectedPath,
          opener,
          fc.array(trick, { minLength: 1, maxLength: 3 }),
          fc.constantFrom('GET', 'POST'),
          (path, open, tricks, method) => {
            const uri = tricks.reduce((current, rewrite) => rewrite(current, open), path);
            expect(classify(uri, method, 'eu.shop.example')).toBe('protected');
          },
        ),
        { numRuns: 2000 },
      );
    });

    it('while the canonical public paths stay public', () => {
      fc.assert(
        fc.property(fc.array(segment, { maxLength: 4 }), (segments) => {
          expect(classify(`/public/${segments.join('/')}`)).toBe('public');
        }),
      );
    });
  });

  describe('no encoding trick escapes a rule that protects', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
    const tricks = fc.constantFrom<(path: string) => string>(
      (p) => p.toUpperCase(),
      (p) => p.replace(/\/admin/, '/Admin.'),
      (p) => p.replace(/\/admin/, '/admin%2e'),
      (p) => p.replace(/\/admin/, '/%61dmin'),
      (p) => p.replace(/\/admin/, '/admin '),
      (p) => p.replace(/\//g, '//'),
      (p) => p.replace(/\//g, '/./'),
      (p) => `/public/..${p}`,
      (p) => `/public/%2e%2e${p}`,
      (p) => `/x/..;${p}`,
      (p) => `/x\\..${p.replace(/\//g, '\\')}`,
      (p) => `${p}/x/..`,
      (p) => `${p};a=b`,
    );

    it.each(['deny', 'authenticated'] as const)('for a %s rule, whatever the rewrite', (effect) => {
      const guarded = RuleMatcher.compile({
        rules: [rule('admin', effect, ['/admin/**']), rule('open', 'public', ['/**'])],
        defaultRule: { effect: 'authenticated', require: [] },
      });
      fc.assert(
        fc.property(
          fc.array(segment, { maxLength: 3 }),
          fc.array(tricks, { minLength: 1, maxLength: 3 }),
          (segments, rewrites) => {
            const uri = rewrites.reduce((p, rewrite) => rewrite(p), `/admin/${segments.join('/')}`);
            const match = guarded.firstMatch(request(uri));
            expect(match.rule.name).toBe('admin');
          },
        ),
        { numRuns: 1000 },
      );
    });
  });
});

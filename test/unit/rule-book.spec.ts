import fc from 'fast-check';
import { forUri, type DecisionRequest } from '../../src/core/decision-request.js';
import { RuleBook, type PathRuleSpec } from '../../src/policies/rule-book.js';

let ids = 0;
function rule(access: PathRuleSpec['access'], pattern: string, extra: Partial<PathRuleSpec> = {}) {
  return { id: `r${++ids}-${access}`, access, pattern, methods: [], host: null, ...extra };
}

const RULES = {
  publicTree: rule('public', '/public/**'),
  docs: rule('public', '/docs/**'),
  internal: rule('restricted', '/docs/internal/**'),
  legacy: rule('bypass', '/legacy/**'),
  webhook: rule('bypass', '/hooks/*', { methods: ['POST'] }),
  shop: rule('public', '/catalog/**', { host: '*.shop.example' }),
};
const book = RuleBook.compile(Object.values(RULES), []);

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

/** How the book treats an anonymous request: bypass, public or protected. */
function classify(uri: string, method = 'GET', host = 'api.example'): string {
  const req = request(uri, method, host);
  if (book.bypassRule(req) !== undefined) return 'bypass';
  return book.pathAccess(req).access;
}

describe(RuleBook.name, () => {
  it('opens public trees and names the rule', () => {
    expect(book.pathAccess(request('/public/a/b?x=1'))).toEqual({
      access: 'public',
      ruleId: RULES.publicTree.id,
    });
    expect(classify('/public')).toBe('public');
    expect(classify('/publicity')).toBe('protected');
    expect(classify('/api/orders')).toBe('protected');
  });

  it('lets a restricted rule close part of a public tree, and names it', () => {
    expect(book.pathAccess(request('/docs/internal/plan'))).toEqual({
      access: 'protected',
      ruleId: RULES.internal.id,
    });
    expect(classify('/docs/guide')).toBe('public');
  });

  it('bypasses by path and method', () => {
    expect(book.bypassRule(request('/legacy/x', 'DELETE'))).toBe(RULES.legacy.id);
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
});

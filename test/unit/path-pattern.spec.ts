import { compilePathPattern, pathPatternProblem } from '../../src/policies/path-pattern.js';

describe(compilePathPattern.name, () => {
  const matches = (pattern: string, path: string) => compilePathPattern(pattern).matches(path);

  it('matches an exact path, with or without a trailing slash', () => {
    expect(matches('/status', '/status')).toBe(true);
    expect(matches('/status', '/status/')).toBe(true);
    expect(matches('/status', '/status/x')).toBe(false);
    expect(matches('/status', '/statusx')).toBe(false);
    expect(matches('/', '/')).toBe(true);
    expect(matches('/', '/a')).toBe(false);
  });

  it('matches one segment with *, and within a segment', () => {
    expect(matches('/docs/*', '/docs/a')).toBe(true);
    expect(matches('/docs/*', '/docs/a/')).toBe(true);
    expect(matches('/docs/*', '/docs')).toBe(false);
    expect(matches('/docs/*', '/docs/a/b')).toBe(false);
    expect(matches('/v1/*.json', '/v1/orders.json')).toBe(true);
    expect(matches('/v1/*.json', '/v1/orders.xml')).toBe(false);
    expect(matches('/v1/*.json', '/v1/a/b.json')).toBe(false);
  });

  it('matches any depth with **, none included', () => {
    expect(matches('/docs/**', '/docs')).toBe(true);
    expect(matches('/docs/**', '/docs/')).toBe(true);
    expect(matches('/docs/**', '/docs/a/b/c')).toBe(true);
    expect(matches('/docs/**', '/docsx')).toBe(false);
    expect(matches('/docs/**', '/doc')).toBe(false);
    expect(matches('/a/**/edit', '/a/edit')).toBe(true);
    expect(matches('/a/**/edit', '/a/x/y/edit')).toBe(true);
    expect(matches('/a/**/edit', '/a/x/y/edit/z')).toBe(false);
    expect(matches('/**', '/')).toBe(true);
    expect(matches('/**', '/anything/at/all')).toBe(true);
  });

  it('is case-sensitive, and takes regular-expression characters literally', () => {
    expect(matches('/Docs/**', '/docs/a')).toBe(false);
    expect(matches('/a.b', '/axb')).toBe(false);
    expect(matches('/a+(b)', '/a+(b)')).toBe(true);
    expect(matches('/api/v[1]', '/api/v1')).toBe(false);
  });

  it('matches loosely without regard to case or trailing dots and spaces', () => {
    const internal = compilePathPattern('/docs/internal/**');
    expect(internal.matchesLoosely('/docs/INTERNAL/x')).toBe(true);
    expect(internal.matchesLoosely('/docs/internal./x')).toBe(true);
    expect(internal.matchesLoosely('/docs/internal%20. /x')).toBe(false);
    expect(internal.matchesLoosely('/docs/internal . /x')).toBe(true);
    expect(internal.matchesLoosely('/docs/internals/x')).toBe(false);
    expect(compilePathPattern('/a/...').matchesLoosely('/a/...')).toBe(true);
  });

  it.each([
    ['docs', 'must start with /'],
    ['/docs/', 'must not contain empty segments (// or a trailing /)'],
    ['/a//b', 'must not contain empty segments (// or a trailing /)'],
    ['/a/../b', 'must not contain . or .. segments'],
    ['/a/./b', 'must not contain . or .. segments'],
    ['/a/b**', '** must be a whole segment'],
    ['/a;b', 'must not contain ; \\ ? # or controls'],
    ['/a?b=1', 'must not contain ; \\ ? # or controls'],
    ['/a\\b', 'must not contain ; \\ ? # or controls'],
    ['/a\u0000', 'must not contain ; \\ ? # or controls'],
  ])('refuses %j: %s', (pattern, problem) => {
    expect(pathPatternProblem(pattern)).toBe(problem);
    expect(() => compilePathPattern(pattern)).toThrow(problem);
  });

  it.each(['/', '/a', '/a/*', '/a/**', '/**', '/a/*/b/**', '/caf\u00e9', '/a%20b'])(
    'accepts %j',
    (pattern) => expect(pathPatternProblem(pattern)).toBeUndefined(),
  );
});

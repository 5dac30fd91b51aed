import {
  compileHostPattern,
  hostPatternCovers,
  hostPatternProblem,
  hostPatternsMayOverlap,
} from '../../src/policies/host-pattern.js';

describe(compileHostPattern.name, () => {
  it('matches a host name exactly, without regard to case', () => {
    const api = compileHostPattern('API.example.com');
    expect(api('api.example.com')).toBe(true);
    expect(api('www.example.com')).toBe(false);
    expect(api('api.example.com.evil')).toBe(false);
  });

  it('reads * as one or more characters, dots included', () => {
    const partners = compileHostPattern('*.example.com');
    expect(partners('a.example.com')).toBe(true);
    expect(partners('a.b.example.com')).toBe(true);
    expect(partners('example.com')).toBe(false);
    expect(partners('a.example.com.evil.net')).toBe(false);
    expect(partners('aexample.com')).toBe(false);
    expect(compileHostPattern('api-*.example.com')('api-eu.example.com')).toBe(true);
  });

  it.each(['api.example.com', '*.example.com', 'localhost', '[::1]', 'API-1.x'])(
    'accepts %j',
    (pattern) => expect(hostPatternProblem(pattern)).toBeUndefined(),
  );

  it.each(['', 'api.example.com:8080', 'http://api', 'a b', '-api', 'api/x', 'ä.example'])(
    'refuses %j',
    (pattern) => expect(hostPatternProblem(pattern)).toBeDefined(),
  );
});

describe(hostPatternCovers.name, () => {
  it.each([
    ['*.example.com', 'api.example.com', true],
    ['*.example.com', '*.api.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.api.example.com', '*.example.com', false],
    ['api.example.com', '*.example.com', false],
    ['API.example.com', 'api.example.com', true],
    ['api-*.example.com', 'api-*-eu.example.com', true],
  ])('%s covers %s: %s', (outer, inner, expected) =>
    expect(hostPatternCovers(outer, inner)).toBe(expected),
  );
});

describe(hostPatternsMayOverlap.name, () => {
  it.each([
    ['*.a.com', '*.b.com', false],
    ['api.*', '*.example.com', true],
    ['x-*', 'y-*', false],
    ['api.example.com', '*.example.com', true],
    ['api.example.com', '*.test', false],
  ])('%s and %s: %s', (a, b, expected) => expect(hostPatternsMayOverlap(a, b)).toBe(expected));
});

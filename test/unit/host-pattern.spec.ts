import { compileHostPattern, hostPatternProblem } from '../../src/policies/host-pattern.js';

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

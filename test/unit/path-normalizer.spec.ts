import fc from 'fast-check';
import { normalisePath } from '../../src/core/path-normalizer.js';

describe(normalisePath.name, () => {
  it.each([
    ['/a/b?x=1#frag', '/a/b'],
    ['/a/b#frag?x=1', '/a/b'],
    ['/a?', '/a'],
  ])('drops the query and fragment of %s', (input, expected) => {
    expect(normalisePath(input)).toBe(expected);
  });

  it('collapses empty segments', () => {
    expect(normalisePath('//a///b')).toBe('/a/b');
    expect(normalisePath('//')).toBe('/');
  });

  it('resolves . and .. without climbing above the root', () => {
    expect(normalisePath('/a/./b/../c')).toBe('/a/c');
    expect(normalisePath('/../../etc/passwd')).toBe('/etc/passwd');
    expect(normalisePath('/a/..')).toBe('/');
    expect(normalisePath('/a/b/../../..')).toBe('/');
  });

  it('decodes percent-encoding once', () => {
    expect(normalisePath('/a/%2e%2e/b')).toBe('/b');
    expect(normalisePath('/a/%2E%2E/b')).toBe('/b');
    expect(normalisePath('/caf%C3%A9')).toBe('/café');
    expect(normalisePath('/a/%252e%252e/b')).toBe('/a/%2e%2e/b');
  });

  it('reads an encoded slash as a separator', () => {
    expect(normalisePath('/a%2fb')).toBe('/a/b');
    expect(normalisePath('/a/b%2F..%2F..%2Fadmin')).toBe('/admin');
  });

  it('strips ; path parameters from each segment', () => {
    expect(normalisePath('/public/..;/admin')).toBe('/admin');
    expect(normalisePath('/a;jsessionid=x/b')).toBe('/a/b');
    expect(normalisePath('/a/b;jsessionid=x')).toBe('/a/b');
    expect(normalisePath('/a/%2e%2e;x/b')).toBe('/b');
  });

  it('reads backslashes as slashes', () => {
    expect(normalisePath('/a\\b')).toBe('/a/b');
    expect(normalisePath('/a\\..\\b')).toBe('/b');
    expect(normalisePath('/a%5c..%5cb')).toBe('/b');
  });

  it.each([
    ['invalid percent-encoding', '/a%zz'],
    ['a truncated escape', '/a%'],
    ['a truncated escape of one digit', '/a%2'],
    ['invalid UTF-8', '/a%c3%28'],
    ['a lone continuation byte', '/a%80'],
    ['a relative path', 'a/b'],
    ['an absolute URL', 'http://example.com/a'],
    ['an empty path', ''],
    ['an encoded NUL', '/a%00b'],
    ['a raw NUL', '/a\u0000b'],
    ['an encoded CR LF', '/a%0d%0aSet-Cookie:x'],
    ['a raw tab', '/a\tb'],
    ['DEL', '/a%7f'],
  ])('refuses %s', (_name, input) => {
    expect(normalisePath(input)).toBeUndefined();
  });

  it('keeps case', () => {
    expect(normalisePath('/Admin/API')).toBe('/Admin/API');
  });

  it('keeps a trailing slash', () => {
    expect(normalisePath('/a/b/')).toBe('/a/b/');
    expect(normalisePath('/a/b//')).toBe('/a/b/');
    expect(normalisePath('/a/b/?x')).toBe('/a/b/');
    expect(normalisePath('/')).toBe('/');
  });

  describe('properties', () => {
    const piece = fc.constantFrom(
      '',
      '.',
      '..',
      '...',
      'a',
      'B',
      '%2e',
      '%2E%2e',
      '%2f',
      '%5c',
      '%25',
      '%252e',
      '%3f',
      '%23',
      '%',
      ';',
      ';x=1',
      '..;',
      '\\',
      '?',
      '#',
      ' ',
      'é',
      '%c3%a9',
      '%00',
    );
    const path = fc.oneof(
      fc.array(piece, { maxLength: 12 }).map((p) => '/' + p.join('/')),
      fc.array(piece, { maxLength: 12 }).map((p) => '/' + p.join('')),
      fc.string({ unit: 'binary', maxLength: 40 }).map((s) => '/' + s),
      fc.string({ maxLength: 40 }),
    );

    it('yields a rooted path with no empty, . or .. segment', () => {
      fc.assert(
        fc.property(path, (raw) => {
          const out = normalisePath(raw);
          if (out === undefined) return;
          expect(out.startsWith('/')).toBe(true);
          expect(out).not.toContain('//');
          expect(out).not.toContain('/./');
          expect(out).not.toContain('/../');
          const segments = out.split('/').slice(1);
          expect(segments).not.toContain('..');
          expect(segments).not.toContain('.');
        }),
        { numRuns: 1000 },
      );
    });

    it('is idempotent on outputs without %, ? or #', () => {
      // A decoded %3F or %23 is a path character in the output, but a query or fragment on input.
      fc.assert(
        fc.property(path, (raw) => {
          const out = normalisePath(raw);
          if (out === undefined || /[%?#]/.test(out)) return;
          expect(normalisePath(out)).toBe(out);
        }),
        { numRuns: 1000 },
      );
    });
  });
});

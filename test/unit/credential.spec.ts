import fc from 'fast-check';
import { extractCredential } from '../../src/core/credential.js';

const basic = (decoded: string | Buffer): string =>
  `Basic ${(typeof decoded === 'string' ? Buffer.from(decoded, 'utf8') : decoded).toString('base64')}`;

const KINDS = ['none', 'bearer', 'basic', 'malformed', 'other'];
const B64TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/';
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

describe(extractCredential.name, () => {
  describe('no credential', () => {
    it('reads no header as none', () => {
      expect(extractCredential([])).toEqual({ kind: 'none' });
    });

    it('reads an empty or blank header as none', () => {
      expect(extractCredential([''])).toEqual({ kind: 'none' });
      expect(extractCredential(['   '])).toEqual({ kind: 'none' });
    });
  });

  describe('Bearer', () => {
    it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('accepts the scheme written %s', (scheme) => {
      expect(extractCredential([`${scheme} abc.DEF-123_~+/==`])).toEqual({
        kind: 'bearer',
        token: 'abc.DEF-123_~+/==',
      });
    });

    it.each([
      ['a character outside b64token', 'Bearer abc$def'],
      ['a space inside the token', 'Bearer abc def'],
      ['padding in the middle', 'Bearer ab=cd'],
      ['only padding', 'Bearer =='],
      ['no token at all', 'Bearer'],
      ['a quote', 'Bearer "abc"'],
    ])('refuses %s as a malformed bearer', (_name, header) => {
      expect(extractCredential([header])).toEqual({ kind: 'malformed', scheme: 'bearer' });
    });
  });

  describe('Basic', () => {
    it('splits on the first colon, so the password may contain colons', () => {
      expect(extractCredential([basic('alice:pa:ss:')])).toEqual({
        kind: 'basic',
        username: 'alice',
        password: 'pa:ss:',
      });
    });

    it('accepts any case of the scheme and an empty password', () => {
      expect(extractCredential([basic('bob:').replace('Basic', 'BASIC')])).toEqual({
        kind: 'basic',
        username: 'bob',
        password: '',
      });
    });

    it('decodes UTF-8 user-ids and passwords', () => {
      expect(extractCredential([basic('zoë:пароль')])).toEqual({
        kind: 'basic',
        username: 'zoë',
        password: 'пароль',
      });
    });

    it.each([
      ['characters outside the base64 alphabet', 'Basic ***'],
      ['base64url characters', 'Basic YWxp-2U6cH_='],
      ['missing padding', 'Basic YWxpY2U6cHc'],
      ['excess padding', 'Basic YWxpY2U6cHc=='],
      ['padding in the middle', 'Basic YW=pY2U6cHc='],
      ['an empty value', 'Basic'],
      ['invalid UTF-8', basic(Buffer.from([0xff, 0xfe, 0x3a, 0x61]))],
      ['a control character in the user-id', basic('al\u0001ice:pw')],
      ['a control character in the password', basic('alice:p\nw')],
      ['DEL in the password', basic('alice:pw\u007f')],
      ['NUL', basic('alice:\u0000')],
      ['no colon', basic('alice')],
      ['an empty user-id', basic(':password')],
    ])('refuses %s as a malformed basic', (_name, header) => {
      expect(extractCredential([header])).toEqual({ kind: 'malformed', scheme: 'basic' });
    });
  });

  describe('malformed headers of no scheme', () => {
    it('refuses two Authorization headers, even two valid ones', () => {
      expect(extractCredential(['Bearer abc', 'Bearer abc'])).toEqual({
        kind: 'malformed',
        scheme: null,
      });
      expect(extractCredential(['Bearer abc', basic('a:b')])).toEqual({
        kind: 'malformed',
        scheme: null,
      });
    });

    it('refuses a header longer than 8192 characters', () => {
      expect(extractCredential([`Bearer ${'a'.repeat(8192)}`])).toEqual({
        kind: 'malformed',
        scheme: null,
      });
      // Just under the limit is still read.
      expect(extractCredential([`Bearer ${'a'.repeat(8185)}`])).toEqual({
        kind: 'bearer',
        token: 'a'.repeat(8185),
      });
    });

    it.each(['1Bearer abc', '"Bearer" abc', 'Bearer\tabc', ': abc'])(
      'refuses a header whose scheme breaks the syntax (%j)',
      (header) => {
        expect(extractCredential([header])).toEqual({ kind: 'malformed', scheme: null });
      },
    );
  });

  describe('other schemes', () => {
    it('reports a well-formed header of another scheme, lower-cased', () => {
      expect(extractCredential(['Digest username="alice", realm="x"'])).toEqual({
        kind: 'other',
        scheme: 'digest',
      });
      expect(extractCredential(['Negotiate YIIB'])).toEqual({ kind: 'other', scheme: 'negotiate' });
    });
  });

  describe('properties', () => {
    it('never throws and always returns one of the kinds', () => {
      fc.assert(
        fc.property(
          fc.array(fc.string({ unit: 'binary', maxLength: 64 }), { maxLength: 3 }),
          (h) => {
            expect(KINDS).toContain(extractCredential(h).kind);
          },
        ),
        { numRuns: 500 },
      );
    });

    it('never throws on headers that look like Basic or Bearer', () => {
      fc.assert(
        fc.property(
          fc.constantFrom('Basic ', 'Bearer ', 'basic ', 'Digest '),
          fc.string({ unit: 'binary', maxLength: 64 }),
          (scheme, rest) => {
            expect(KINDS).toContain(extractCredential([scheme + rest]).kind);
          },
        ),
        { numRuns: 500 },
      );
    });

    it('reads back any Basic user-id and password', () => {
      const noControl = (s: string) => !CONTROL.test(s);
      const username = fc
        .string({ unit: 'binary', minLength: 1, maxLength: 40 })
        .filter((s) => !s.includes(':') && noControl(s));
      const password = fc.string({ unit: 'binary', maxLength: 40 }).filter(noControl);
      fc.assert(
        fc.property(username, password, (user, pass) => {
          expect(extractCredential([basic(`${user}:${pass}`)])).toEqual({
            kind: 'basic',
            username: user,
            password: pass,
          });
        }),
        { numRuns: 500 },
      );
    });

    it('reads any b64token as a bearer token, unchanged', () => {
      const token = fc
        .tuple(
          fc.string({ unit: fc.constantFrom(...B64TOKEN_CHARS), minLength: 1, maxLength: 200 }),
          fc.nat({ max: 3 }),
        )
        .map(([body, padding]) => body + '='.repeat(padding));
      fc.assert(
        fc.property(token, (t) => {
          expect(extractCredential([`Bearer ${t}`])).toEqual({ kind: 'bearer', token: t });
        }),
        { numRuns: 500 },
      );
    });
  });
});

import fc from 'fast-check';
import {
  generateKey,
  hasKeyShape,
  KEY_LENGTH,
  looksLikeKey,
  parseKey,
} from '../../src/keys/key-format.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_SHAPE = /^pcl_[0-9A-Za-z]{44}$/;

describe(generateKey.name, () => {
  it('generates keys of the documented shape, with their key id after the prefix', () => {
    const { plaintext, keyId } = generateKey();
    expect(plaintext).toMatch(KEY_SHAPE);
    expect(plaintext).toHaveLength(KEY_LENGTH);
    expect(keyId).toMatch(/^[0-9A-Za-z]{8}$/);
    expect(plaintext.slice(4, 12)).toBe(keyId);
  });

  it('generates a different key each time', () => {
    const keys = new Set(Array.from({ length: 100 }, () => generateKey().plaintext));
    expect(keys.size).toBe(100);
  });
});

describe(parseKey.name, () => {
  it('returns the embedded key id of a generated key', () => {
    const { plaintext, keyId } = generateKey();
    expect(parseKey(plaintext)).toBe(keyId);
  });

  it('refuses near misses', () => {
    const { plaintext } = generateKey();
    expect(parseKey(plaintext.slice(0, -1))).toBeUndefined();
    expect(parseKey(plaintext + 'a')).toBeUndefined();
    expect(parseKey(`PCL_${plaintext.slice(4)}`)).toBeUndefined();
    expect(parseKey(` ${plaintext.slice(1)}`)).toBeUndefined();
    expect(parseKey('')).toBeUndefined();
  });

  it('parses every generated key', () => {
    fc.assert(
      fc.property(fc.constant(null), () => {
        const { plaintext, keyId } = generateKey();
        expect(plaintext).toMatch(KEY_SHAPE);
        expect(parseKey(plaintext)).toBe(keyId);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a key with any single character changed', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: KEY_LENGTH - 1 }),
        fc.nat({ max: BASE62.length - 2 }),
        (position, pick) => {
          const { plaintext } = generateKey();
          // Any base62 character other than the one there.
          const others = BASE62.replace(plaintext[position]!, '');
          const changed =
            plaintext.slice(0, position) +
            others[pick % others.length] +
            plaintext.slice(position + 1);
          expect(changed).not.toBe(plaintext);
          expect(parseKey(changed)).toBeUndefined();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses every single-character change of one key, exhaustively', () => {
    const { plaintext } = generateKey();
    for (let position = 0; position < plaintext.length; position++) {
      for (const c of BASE62) {
        if (c === plaintext[position]) continue;
        const changed = plaintext.slice(0, position) + c + plaintext.slice(position + 1);
        expect(parseKey(changed)).toBeUndefined();
      }
    }
  });

  it('never parses random strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        expect(parseKey(s)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('never parses random strings of the key shape', () => {
    const shaped = fc
      .string({ unit: fc.constantFrom(...BASE62), minLength: 44, maxLength: 44 })
      .map((s) => `pcl_${s}`);
    fc.assert(
      fc.property(shaped, (s) => {
        expect(parseKey(s)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});

describe(looksLikeKey.name, () => {
  it('recognises the prefix, whatever follows', () => {
    expect(looksLikeKey('pcl_x')).toBe(true);
    expect(looksLikeKey(generateKey().plaintext)).toBe(true);
    expect(looksLikeKey('eyJhbGciOi')).toBe(false);
  });
});

describe(hasKeyShape.name, () => {
  it('takes a key with a typo for a key, but not what has another length, prefix or alphabet', () => {
    const { plaintext } = generateKey();
    const typo = plaintext.slice(0, -1) + (plaintext.endsWith('A') ? 'B' : 'A');
    expect(hasKeyShape(plaintext)).toBe(true);
    expect(hasKeyShape(typo)).toBe(true);
    expect(parseKey(typo)).toBeUndefined();
    expect(hasKeyShape(plaintext.slice(0, -1))).toBe(false);
    expect(hasKeyShape(`${plaintext}x`)).toBe(false);
    expect(hasKeyShape(plaintext.replace('pcl_', 'pck_'))).toBe(false);
    expect(hasKeyShape(`${plaintext.slice(0, -1)}-`)).toBe(false);
  });
});

import { KeyHasher } from '../../src/crypto/key-hasher.js';

describe(KeyHasher.name, () => {
  it('is HMAC-SHA-256 under the secret as UTF-8 text, as stored hashes were made', () => {
    // RFC 4231, test case 2.
    expect(new KeyHasher('Jefe').hash('what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('gives different hashes under different secrets', () => {
    expect(new KeyHasher('one').hash('pcl_x')).not.toBe(new KeyHasher('two').hash('pcl_x'));
  });
});

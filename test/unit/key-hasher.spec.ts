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

  it('hashes under the previous secret only while one is given', () => {
    expect(new KeyHasher('two').previousHash('pcl_x')).toBeUndefined();
    expect(new KeyHasher('two', 'one').previousHash('pcl_x')).toBe(
      new KeyHasher('one').hash('pcl_x'),
    );
    expect(new KeyHasher('two', 'one').hash('pcl_x')).toBe(new KeyHasher('two').hash('pcl_x'));
  });
});

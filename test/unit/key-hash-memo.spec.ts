import { jest } from '@jest/globals';
import { KeyHashMemo } from '../../src/crypto/key-hash-memo.js';
import { KeyHasher } from '../../src/crypto/key-hasher.js';

describe(KeyHashMemo.name, () => {
  const hasher = new KeyHasher('memo-test-secret');

  it('gives the HMAC, computing it once for a key presented again', () => {
    const hash = jest.spyOn(hasher, 'hash');
    const memo = new KeyHashMemo(hasher);
    expect(memo.hash('pcl_one')).toBe(new KeyHasher('memo-test-secret').hash('pcl_one'));
    expect(memo.hash('pcl_one')).toBe(memo.hash('pcl_one'));
    expect(memo.hash('pcl_two')).toBe(new KeyHasher('memo-test-secret').hash('pcl_two'));
    expect(hash).toHaveBeenCalledTimes(2);
    hash.mockRestore();
  });

  it('holds at most its bound, dropping the oldest entry first', () => {
    const hash = jest.spyOn(hasher, 'hash');
    const memo = new KeyHashMemo(hasher, 3);
    for (const key of ['a', 'b', 'c', 'd']) memo.hash(key);
    expect(memo.size).toBe(3);
    hash.mockClear();
    memo.hash('d');
    memo.hash('b');
    expect(hash).not.toHaveBeenCalled();
    memo.hash('a'); // dropped when d came: computed again
    expect(hash).toHaveBeenCalledTimes(1);
    expect(memo.size).toBe(3);
    hash.mockRestore();
  });

  it('remembers only what its caller admits, and asks only about what it does not remember', () => {
    const memo = new KeyHashMemo(hasher);
    const admit = jest.fn((plaintext: string) => plaintext.startsWith('pcl_'));
    expect(memo.hash('garbage', admit)).toBeUndefined();
    expect(memo.size).toBe(0);
    expect(memo.hash('pcl_good', admit)).toBe(hasher.hash('pcl_good'));
    expect(memo.hash('pcl_good', admit)).toBe(hasher.hash('pcl_good'));
    expect(admit.mock.calls).toEqual([['garbage'], ['pcl_good']]);
  });

  it('holds no key in the clear', () => {
    const memo = new KeyHashMemo(hasher);
    memo.hash('pcl_secretsecret');
    const held = JSON.stringify([...(memo as unknown as { entries: Map<string, string> }).entries]);
    expect(held).not.toContain('secretsecret');
  });
});

import { checkKeyRecord, type KeyRecord } from '../../src/keys/key-record.js';

const record = (changes: Partial<KeyRecord> = {}): KeyRecord => ({
  id: 'k1',
  keyId: 'AbCd1234',
  hash: 'h',
  type: 'bearer',
  createdAt: 1000,
  expiresAt: 10_000,
  revokedAt: null,
  userId: 'u1',
  username: 'alice',
  email: null,
  displayName: null,
  disabled: false,
  groups: ['dev'],
  allowedIps: [],
  scopes: [],
  routes: [],
  rateLimit: null,
  groupRateLimits: [],
  ...changes,
});

describe(checkKeyRecord.name, () => {
  const bearer = { type: 'bearer' } as const;

  it('grants one identity object per record from its second use on, and a new one for another', () => {
    const cached = record();
    const once = checkKeyRecord(cached, bearer, 2000);
    expect(once).toMatchObject({
      ok: true,
      identity: { username: 'alice', credential: { keyId: 'AbCd1234', id: 'k1' } },
    });
    // A record used once keeps nothing: a sweep through many keys leaves no identities behind.
    const second = checkKeyRecord(cached, bearer, 3000);
    expect(second).not.toBe(once);
    expect(second).toEqual(once);
    expect(checkKeyRecord(cached, bearer, 3000)).toBe(second);
    expect(checkKeyRecord(cached, bearer, 4000)).toBe(second);
    expect(checkKeyRecord(record(), bearer, 2000)).not.toBe(second);
  });

  it('still checks the state every time', () => {
    const cached = record();
    expect(checkKeyRecord(cached, bearer, 2000).ok).toBe(true);
    expect(checkKeyRecord(cached, bearer, 10_000)).toEqual({ ok: false, reason: 'expired_key' });
    expect(checkKeyRecord(cached, { type: 'basic', username: 'alice' }, 2000)).toEqual({
      ok: false,
      reason: 'wrong_key_type',
    });
    expect(checkKeyRecord(record({ revokedAt: 1500 }), bearer, 2000)).toEqual({
      ok: false,
      reason: 'revoked_key',
    });
    expect(checkKeyRecord(record({ disabled: true }), bearer, 2000)).toEqual({
      ok: false,
      reason: 'user_disabled',
    });
  });
});

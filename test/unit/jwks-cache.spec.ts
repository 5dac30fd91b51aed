import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { JwksCache } from '../../src/providers/jwks-cache.js';
import { OutboundError, type OutboundHttp } from '../../src/providers/outbound-http.js';

// The provider is played by a function answering its JWKS; time is a number the test moves.
describe(JwksCache.name, () => {
  let now = 0;
  let published: JWK[] = [];
  let reachable = true;
  let fetches = 0;
  const keys: Record<string, { privateKey: CryptoKey; jwk: JWK }> = {};

  const outbound = {
    get: async () => {
      fetches++;
      if (!reachable) throw new OutboundError('connect ECONNREFUSED');
      return { status: 200, headers: {}, body: JSON.stringify({ keys: published }) };
    },
  } as unknown as OutboundHttp;

  const newCache = () =>
    new JwksCache(
      'https://idp/jwks',
      outbound,
      { maxAgeMs: 600_000, cooldownMs: 30_000 },
      () => now,
    );
  const sign = (kid: string) =>
    new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setExpirationTime('5m')
      .sign(keys[kid]!.privateKey);
  const verify = async (cache: JwksCache, kid: string) =>
    (await jwtVerify(await sign(kid), cache.getKey)).payload.sub;

  beforeAll(async () => {
    for (const kid of ['k1', 'k2']) {
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      keys[kid] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256' } };
    }
  });
  beforeEach(() => {
    now = 1_000_000;
    published = [keys.k1!.jwk];
    reachable = true;
    fetches = 0;
  });

  it('fetches the keys once for many tokens', async () => {
    const cache = newCache();
    for (let i = 0; i < 5; i++) expect(await verify(cache, 'k1')).toBe('alice');
    expect(fetches).toBe(1);
  });

  it('reads the keys again for a new kid (rotation), at most once per cooldown', async () => {
    const cache = newCache();
    await verify(cache, 'k1');
    published = [keys.k1!.jwk, keys.k2!.jwk];
    // Within the cooldown of the first fetch, an unknown kid is refused without a fetch.
    await expect(verify(cache, 'k2')).rejects.toThrow(/no applicable key/i);
    expect(fetches).toBe(1);
    now += 30_001;
    expect(await verify(cache, 'k2')).toBe('alice');
    expect(fetches).toBe(2);
    for (let i = 0; i < 3; i++) await expect(verify(cache, 'k3' as 'k1')).rejects.toThrow();
    expect(fetches).toBe(2);
  });

  it('keeps verifying with the keys it holds while the provider is down', async () => {
    const cache = newCache();
    await verify(cache, 'k1');
    reachable = false;
    now += 700_000; // past the maximum age: a background reload fails, the old keys stay
    expect(await verify(cache, 'k1')).toBe('alice');
    await expect(verify(cache, 'k2')).rejects.toThrow();
  });

  it('does not hammer a provider that never answered', async () => {
    reachable = false;
    const cache = newCache();
    for (let i = 0; i < 5; i++) await expect(verify(cache, 'k1')).rejects.toThrow(OutboundError);
    expect(fetches).toBe(1);
    now += 30_001;
    reachable = true;
    expect(await verify(cache, 'k1')).toBe('alice');
    expect(fetches).toBe(2);
  });
});

import { jest } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import { loadConfig, type CacheConfig } from '../../src/config/app-config.js';
import { InProcessBus, InProcessStore } from '../../src/cache/in-process-store.js';
import { MessageBus, SharedStore } from '../../src/cache/shared-store.js';
import { CLEAR_RETRY_MS, TwoTierCache } from '../../src/cache/two-tier-cache.js';

interface Entry {
  name: string;
}

const CONFIG: CacheConfig = {
  localMaxEntries: 100,
  localTtlMs: 60_000,
  sharedTtlMs: 300_000,
  negativeTtlMs: 30_000,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Lets pending promise callbacks (the shared tier's asynchronous fills) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Fake setTimeout for the rest of the test (the cache's retry timer), so that a test steps over
 * the retry delay instead of sleeping through it; the clocks the cache reads stay real.
 */
function fakeTimers(): void {
  jest.useFakeTimers({
    doNotFake: ['Date', 'performance', 'hrtime', 'nextTick', 'queueMicrotask', 'setImmediate'],
  });
}
afterEach(() => jest.useRealTimers());

function cache(config: Partial<CacheConfig> = {}, bus: MessageBus = new InProcessBus()) {
  return new TwoTierCache<Entry>('test:', { ...CONFIG, ...config }, new InProcessStore(), bus);
}

/** A bus whose liveness the test controls. */
class SwitchableBus extends MessageBus {
  readonly kind = 'in-process';
  live = true;
  private readonly lost: (() => void)[] = [];
  private readonly restored: (() => void)[] = [];
  async publish(): Promise<void> {}
  async subscribe(): Promise<void> {}
  onLost(handler: () => void): void {
    this.lost.push(handler);
  }
  onRestored(handler: () => void): void {
    this.restored.push(handler);
  }
  async close(): Promise<void> {}
  lose(): void {
    this.live = false;
    for (const handler of this.lost) handler();
  }
  restore(): void {
    this.live = true;
    for (const handler of this.restored) handler();
  }
}

/** A shared store that plays Redis (the cache uses its shared tier) and can be made to fail. */
class FakeRedisStore extends SharedStore {
  readonly kind = 'redis';
  readonly memory = new InProcessStore();
  failing = false;
  private check(): void {
    if (this.failing) throw new Error('Redis is away');
  }
  async getMany(keys: readonly string[]) {
    this.check();
    return this.memory.getMany(keys);
  }
  async setIfMarkerIs(
    key: string,
    marker: string,
    expected: string | undefined,
    value: string,
    ttlMs: number,
  ) {
    this.check();
    return this.memory.setIfMarkerIs(key, marker, expected, value, ttlMs);
  }
  async deleteAndMark(keys: string[], markers: string[], markerTtlMs: number) {
    this.check();
    return this.memory.deleteAndMark(keys, markers, markerTtlMs);
  }
  async dropAll(namespace: string) {
    this.check();
    return this.memory.dropAll(namespace);
  }
  async set(key: string, value: string, ttlMs: number) {
    this.check();
    return this.memory.set(key, value, ttlMs);
  }
  async delete(keys: readonly string[]) {
    this.check();
    return this.memory.delete(keys);
  }
  async getAndDelete(key: string) {
    this.check();
    return this.memory.getAndDelete(key);
  }
  async ping() {}
  async close() {}
}

describe(TwoTierCache.name, () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('reads back what it was given, and misses what it was not', async () => {
    const c = cache();
    c.set('a', { name: 'alice' }, 10_000);
    expect(await c.get('a')).toEqual({ hit: 'value', value: { name: 'alice' } });
    expect(await c.get('b')).toEqual({ hit: 'miss' });
  });

  it('remembers a negative entry', async () => {
    const c = cache();
    c.setNegative('gone');
    expect(await c.get('gone')).toEqual({ hit: 'negative' });
  });

  it('keeps no negative entry when the negative TTL is 0', async () => {
    const c = cache({ negativeTtlMs: 0 });
    c.setNegative('gone');
    expect(await c.get('gone')).toEqual({ hit: 'miss' });
  });

  it('replaces a negative entry with a value', async () => {
    const c = cache();
    c.setNegative('k');
    c.set('k', { name: 'now here' }, 10_000);
    expect(await c.get('k')).toEqual({ hit: 'value', value: { name: 'now here' } });
  });

  it('ignores a set with no time to live', async () => {
    const c = cache();
    c.set('a', { name: 'alice' }, 0);
    expect(await c.get('a')).toEqual({ hit: 'miss' });
  });

  it("expires an entry after the writer's TTL", async () => {
    const c = cache();
    c.set('short', { name: 's' }, 30);
    c.set('long', { name: 'l' }, 10_000);
    expect((await c.get('short')).hit).toBe('value');
    await sleep(80);
    expect(await c.get('short')).toEqual({ hit: 'miss' });
    expect((await c.get('long')).hit).toBe('value');
  });

  it('caps the TTL at the configured local TTL', async () => {
    const c = cache({ localTtlMs: 30 });
    c.set('a', { name: 'alice' }, 60_000);
    expect((await c.get('a')).hit).toBe('value');
    await sleep(80);
    expect(await c.get('a')).toEqual({ hit: 'miss' });
  });

  it('expires negative entries after the negative TTL', async () => {
    const c = cache({ negativeTtlMs: 30 });
    c.setNegative('gone');
    expect(await c.get('gone')).toEqual({ hit: 'negative' });
    await sleep(80);
    expect(await c.get('gone')).toEqual({ hit: 'miss' });
  });

  it('evicts the least recently used entry beyond the maximum', async () => {
    const c = cache({ localMaxEntries: 2 });
    c.set('a', { name: 'a' }, 10_000);
    c.set('b', { name: 'b' }, 10_000);
    await c.get('a');
    c.set('c', { name: 'c' }, 10_000);
    expect((await c.get('a')).hit).toBe('value');
    expect(await c.get('b')).toEqual({ hit: 'miss' });
    expect((await c.get('c')).hit).toBe('value');
  });

  it('drops entries locally', async () => {
    const c = cache();
    c.set('a', { name: 'a' }, 10_000);
    c.setNegative('n');
    c.set('keep', { name: 'k' }, 10_000);
    c.dropLocal(['a', 'n']);
    expect(await c.get('a')).toEqual({ hit: 'miss' });
    expect(await c.get('n')).toEqual({ hit: 'miss' });
    expect(await c.get('keep')).toEqual({ hit: 'value', value: { name: 'k' } });
  });

  it('refuses a fill right after a drop (a fill that raced the change)', async () => {
    const c = cache();
    c.set('a', { name: 'old' }, 10_000);
    c.dropLocal(['a']);
    c.set('a', { name: 'old' }, 10_000);
    c.setNegative('a');
    expect(await c.get('a')).toEqual({ hit: 'miss' });
    c.set('other', { name: 'o' }, 10_000);
    expect((await c.get('other')).hit).toBe('value');
  });

  it('accepts fills again once the marker has expired', async () => {
    const c = cache();
    c.dropLocal(['a']);
    const later = performance.now() + 16_000;
    jest.spyOn(performance, 'now').mockReturnValue(later);
    c.set('a', { name: 'new' }, 10_000);
    expect(await c.get('a')).toEqual({ hit: 'value', value: { name: 'new' } });
  });

  describe('fills carrying the ticket of their lookup', () => {
    /** Two instances sharing one Redis, each hearing invalidations when the test says. */
    function twoInstances() {
      const store = new FakeRedisStore();
      const a = new TwoTierCache<Entry>('test:', CONFIG, store, new InProcessBus());
      const b = new TwoTierCache<Entry>('test:', CONFIG, store, new InProcessBus());
      const shared = async () => (await store.memory.getMany(['test:k']))[0];
      /** A change to k made on A: dropped from both tiers there, then heard by B. */
      const invalidate = async () => {
        a.dropLocal(['k']);
        await a.dropShared(['k']);
        b.dropLocal(['k']);
      };
      return { a, b, store, shared, invalidate };
    }

    it('are cached in both tiers when the lookup began after the change', async () => {
      const { b, shared, invalidate } = twoInstances();
      await invalidate();
      const { reads, ticket } = await b.readShared(['k']);
      expect(reads).toEqual([{ hit: 'miss' }]);
      b.set('k', { name: 'new' }, 10_000, ticket);
      await sleep(0);
      expect(b.getLocal('k')).toEqual({ hit: 'value', value: { name: 'new' } });
      expect(await shared()).toBe(JSON.stringify({ name: 'new' }));
      // Without a ticket, the same fill would still be refused while the change is recent.
      const c = twoInstances();
      await c.invalidate();
      c.b.set('k', { name: 'new' }, 10_000);
      await sleep(0);
      expect(c.b.getLocal('k')).toEqual({ hit: 'miss' });
      expect(await c.shared()).toBeUndefined();
    });

    it('are refused in both tiers when the lookup began before the change', async () => {
      const { b, shared, invalidate } = twoInstances();
      const { ticket } = await b.readShared(['k']);
      await invalidate();
      b.set('k', { name: 'old' }, 10_000, ticket);
      b.setNegative('k', ticket);
      await sleep(0);
      expect(b.getLocal('k')).toEqual({ hit: 'miss' });
      expect(await shared()).toBeUndefined();
    });

    it('are refused in the shared tier when another instance changed the entry meanwhile', async () => {
      const { a, b, shared, invalidate } = twoInstances();
      await invalidate();
      // B's lookup reads the marker of the first change; a second change comes before B fills.
      const { ticket } = await b.readShared(['k']);
      a.dropLocal(['k']);
      await a.dropShared(['k']);
      b.set('k', { name: 'old' }, 10_000, ticket);
      await sleep(0);
      expect(await shared()).toBeUndefined();
    });

    it('are refused when the shared tier could not be read, while the change is recent', async () => {
      const { b, store, shared, invalidate } = twoInstances();
      await invalidate();
      store.failing = true;
      const { ticket } = await b.readShared(['k']);
      store.failing = false;
      b.set('k', { name: 'maybe old' }, 10_000, ticket);
      await sleep(0);
      expect(await shared()).toBeUndefined();
    });
  });

  it('keeps nothing locally with LOCAL_CACHE_MAX_ENTRIES=0', async () => {
    const config = loadConfig({ LOCAL_CACHE_MAX_ENTRIES: '0' }).cache;
    expect(config.localMaxEntries).toBe(0);
    const c = new TwoTierCache<Entry>('test:', config, new InProcessStore(), new InProcessBus());
    c.set('a', { name: 'alice' }, 10_000);
    c.setNegative('n');
    expect(await c.get('a')).toEqual({ hit: 'miss' });
    expect(await c.get('n')).toEqual({ hit: 'miss' });
  });

  it('neither uses nor fills the local tier while the bus is not live, and clears it when lost', async () => {
    const bus = new SwitchableBus();
    const c = cache({}, bus);
    c.set('a', { name: 'a' }, 10_000);
    bus.lose();
    expect(await c.get('a')).toEqual({ hit: 'miss' });
    c.set('b', { name: 'b' }, 10_000);
    expect(await c.get('b')).toEqual({ hit: 'miss' });
    bus.live = true;
    // The entry held before the loss was cleared, not merely hidden.
    expect(await c.get('a')).toEqual({ hit: 'miss' });
  });

  it('distrusts the shared tier from a bus loss until it has cleared it out, retrying while Redis is away', async () => {
    const bus = new SwitchableBus();
    const store = new FakeRedisStore();
    const c = new TwoTierCache<Entry>('test:', CONFIG, store, bus);
    c.set('a', { name: 'stale' }, 10_000);
    await sleep(0);
    expect(await store.memory.getMany(['test:a'])).toEqual([JSON.stringify({ name: 'stale' })]);
    bus.lose();
    // An invalidation made now could not reach Redis: its entry there may be stale.
    expect(await c.get('a')).toEqual({ hit: 'miss' });
    fakeTimers();
    store.failing = true;
    bus.restore();
    await jest.advanceTimersByTimeAsync(20); // the first clear-out fails: retried in a second
    expect(await c.get('a')).toEqual({ hit: 'miss' });
    store.failing = false;
    await jest.advanceTimersByTimeAsync(CLEAR_RETRY_MS - 40);
    expect(await store.memory.getMany(['test:a'])).toEqual([JSON.stringify({ name: 'stale' })]);
    expect(await c.get('a')).toEqual({ hit: 'miss' });
    await jest.advanceTimersByTimeAsync(40); // the retry
    expect(await store.memory.getMany(['test:a'])).toEqual([undefined]);
    c.set('a', { name: 'fresh' }, 10_000);
    await settle();
    expect(await c.getShared(['a'])).toEqual([{ hit: 'value', value: { name: 'fresh' } }]);
  });

  it('does not trust the shared tier on a clear-out that a newer loss overtook', async () => {
    const bus = new SwitchableBus();
    const store = new FakeRedisStore();
    const c = new TwoTierCache<Entry>('test:', CONFIG, store, bus);
    fakeTimers();
    bus.lose();
    store.failing = true;
    bus.restore();
    await jest.advanceTimersByTimeAsync(20); // the first clear-out fails: retried in a second
    bus.lose();
    store.failing = false;
    await store.memory.setUnlessMarked(
      'test:a',
      'test:a:invalidated',
      JSON.stringify({ name: 'stale' }),
      60_000,
    );
    // The retried clear-out succeeds (it empties the tier), but the bus was lost again meanwhile.
    await jest.advanceTimersByTimeAsync(CLEAR_RETRY_MS);
    expect(await store.memory.getMany(['test:a'])).toEqual([undefined]);
    await store.memory.setUnlessMarked(
      'test:a',
      'test:a:invalidated',
      JSON.stringify({ name: 'stale' }),
      60_000,
    );
    expect(await c.getShared(['a'])).toEqual([{ hit: 'miss' }]);
    bus.restore();
    await jest.advanceTimersByTimeAsync(20);
    expect(await c.getShared(['a'])).toEqual([{ hit: 'miss' }]);
    expect(await store.memory.getMany(['test:a'])).toEqual([undefined]);
  });
});

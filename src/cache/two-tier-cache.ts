import { LRUCache } from 'lru-cache';
import type { CacheConfig } from '../config/app-config.js';
import { MessageBus, SharedStore } from './shared-store.js';

/** What a lookup found: a value, a remembered "nothing there", or nothing cached. */
export type CacheRead<T> = { hit: 'value'; value: T } | { hit: 'negative' } | { hit: 'miss' };

const NEGATIVE = '\u0000none';
const MISS = { hit: 'miss' } as const;
const NEGATIVE_HIT = { hit: 'negative' } as const;
/** Longer than any database lookup may take, so a fill that raced an invalidation is refused. */
const MARKER_TTL_MS = 15_000;
/** How often a failed clear-out of the shared tier after an outage is tried again. */
const CLEAR_RETRY_MS = 1000;

/**
 * A read-through cache in two tiers: a bounded in-process LRU (microseconds, this instance only)
 * and the shared store (Redis: one lookup serves every instance). Entries never outlive the TTL
 * their writer gives. Invalidation drops an entry from both tiers and marks it for a short while,
 * so that a fill that read the database before the change cannot write the old value back.
 *
 * The in-process tier is only trusted while the message bus is live: an instance that cannot hear
 * invalidations drops what it holds and reads through to Redis or the database until it can.
 * The shared tier is not trusted either from a loss until this instance has cleared it out once
 * the bus is back: an invalidation made during the outage could not delete its entry there, and
 * the instance that made it may be slow to retry, or gone.
 */
export class TwoTierCache<T extends object> {
  private readonly local: LRUCache<string, T | typeof NEGATIVE> | undefined;
  private readonly shared: SharedStore | undefined;
  private readonly localMarks = new Map<string, number>();
  private sharedTrusted = true;
  private clearing: NodeJS.Timeout | undefined;
  /** Bus losses so far: a clear-out that a newer loss overtook does not restore trust. */
  private losses = 0;

  constructor(
    private readonly namespace: string,
    private readonly config: CacheConfig,
    store: SharedStore,
    private readonly bus: MessageBus,
  ) {
    this.local =
      config.localMaxEntries > 0
        ? new LRUCache<string, T | typeof NEGATIVE>({
            max: config.localMaxEntries,
            ttl: config.localTtlMs,
            ttlAutopurge: false,
          })
        : undefined;
    // Without Redis the "shared" store is this process's own memory: a second local tier, no use.
    this.shared = store.kind === 'redis' && config.sharedTtlMs > 0 ? store : undefined;
    bus.onLost(() => {
      this.local?.clear();
      this.sharedTrusted = false;
      this.losses++;
    });
    bus.onRestored(() => this.clearShared());
  }

  /** Empties this namespace of the shared tier, retrying until it works, then trusts it again. */
  private clearShared(): void {
    if (!this.shared || this.clearing) return;
    const losses = this.losses;
    const attempt = () => {
      this.shared!.dropAll(this.namespace).then(
        () => {
          this.clearing = undefined;
          if (this.losses === losses) this.sharedTrusted = true;
          else if (this.bus.live) this.clearShared();
        },
        () => {
          this.clearing = setTimeout(attempt, CLEAR_RETRY_MS);
          this.clearing.unref();
        },
      );
    };
    this.clearing = setTimeout(attempt, 0);
  }

  async get(key: string): Promise<CacheRead<T>> {
    const local = this.getLocal(key);
    if (local.hit !== 'miss') return local;
    return (await this.getShared([key]))[0]!;
  }

  /** The in-process tier only: synchronous, for the hot path. */
  getLocal(key: string): CacheRead<T> {
    if (!this.local || !this.bus.live) return MISS;
    const value = this.local.get(key);
    if (value === undefined) return MISS;
    return value === NEGATIVE ? NEGATIVE_HIT : { hit: 'value', value };
  }

  /** The shared tier only, for several keys in one round trip; misses when Redis is away. */
  async getShared(keys: readonly string[]): Promise<CacheRead<T>[]> {
    if (!this.shared || !this.sharedTrusted) return keys.map(() => MISS);
    let raws: (string | undefined)[];
    try {
      raws = await this.shared.getMany(keys.map((k) => this.namespace + k));
    } catch {
      return keys.map(() => MISS); // Redis away: the database answers instead.
    }
    return raws.map((raw, i) => {
      if (raw === undefined) return MISS;
      if (raw === NEGATIVE) {
        this.setLocal(keys[i]!, NEGATIVE, this.config.negativeTtlMs);
        return NEGATIVE_HIT;
      }
      const value = JSON.parse(raw) as T;
      this.setLocal(keys[i]!, value, this.config.localTtlMs);
      return { hit: 'value', value };
    });
  }

  /** Caches a value for at most ttlMs (capped by the configured TTLs). */
  set(key: string, value: T, ttlMs: number): void {
    this.fill(key, value, JSON.stringify(value), ttlMs);
  }

  /** Remembers that key has no value, for the negative TTL. */
  setNegative(key: string): void {
    if (this.config.negativeTtlMs > 0)
      this.fill(key, NEGATIVE, NEGATIVE, this.config.negativeTtlMs);
  }

  /** Drops keys from this instance's tier (on hearing of a change). */
  dropLocal(keys: readonly string[]): void {
    const now = Date.now();
    const until = now + MARKER_TTL_MS;
    if (this.localMarks.size > 10_000) {
      for (const [key, expiry] of this.localMarks) if (expiry <= now) this.localMarks.delete(key);
    }
    for (const key of keys) {
      this.local?.delete(key);
      this.localMarks.set(key, until);
    }
  }

  /** Drops keys from the shared tier (done once, by the instance that made the change). */
  async dropShared(keys: readonly string[]): Promise<void> {
    if (!this.shared || keys.length === 0) return;
    const names = keys.map((k) => this.namespace + k);
    await this.shared.deleteAndMark(names, names.map(markerOf), MARKER_TTL_MS);
  }

  private fill(key: string, local: T | typeof NEGATIVE, shared: string, ttlMs: number): void {
    if (ttlMs <= 0 || this.isMarkedLocally(key)) return;
    this.setLocal(key, local, Math.min(ttlMs, this.config.localTtlMs));
    if (this.shared) {
      const name = this.namespace + key;
      const ttl = Math.min(
        ttlMs,
        local === NEGATIVE ? this.config.negativeTtlMs : this.config.sharedTtlMs,
      );
      this.shared.setUnlessMarked(name, markerOf(name), shared, ttl).catch(() => undefined);
    }
  }

  private setLocal(key: string, value: T | typeof NEGATIVE, ttlMs: number): void {
    if (!this.local || !this.bus.live || ttlMs <= 0 || this.isMarkedLocally(key)) return;
    this.local.set(key, value, { ttl: ttlMs });
  }

  private isMarkedLocally(key: string): boolean {
    const until = this.localMarks.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.localMarks.delete(key);
    return false;
  }
}

function markerOf(name: string): string {
  return `${name}:invalidated`;
}

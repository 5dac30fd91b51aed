import { LRUCache } from 'lru-cache';
import { performance } from 'node:perf_hooks';
import type { CacheConfig } from '../config/app-config.js';
import { MessageBus, SharedStore } from './shared-store.js';

/** What a lookup found: a value, a remembered "nothing there", or nothing cached. */
export type CacheRead<T> = { hit: 'value'; value: T } | { hit: 'negative' } | { hit: 'miss' };

/**
 * When a lookup began, and the shared tier's invalidation markers as it read them: a fill from
 * that lookup is refused only if its entry was invalidated since (what it read may predate the
 * change), so the first lookup after a change fills both tiers again.
 */
export interface FillTicket {
  /** performance.now() when the lookup began. */
  readonly startedAt: number;
  /** The markers read with the entries, by key; undefined when the shared tier was not read. */
  readonly markers: ReadonlyMap<string, string | undefined> | undefined;
}

const NEGATIVE = '\u0000none';
const MISS = { hit: 'miss' } as const;
const NEGATIVE_HIT = { hit: 'negative' } as const;
/** Longer than any database lookup may take: how long an invalidation is remembered. */
const MARKER_TTL_MS = 15_000;
/** How often a failed clear-out of the shared tier after an outage is tried again. */
export const CLEAR_RETRY_MS = 1000;

/**
 * A read-through cache in two tiers: a bounded in-process LRU (microseconds, this instance only)
 * and the shared store (Redis: one lookup serves every instance). Entries never outlive the TTL
 * their writer gives. Invalidation drops an entry from both tiers and marks it for a short while,
 * so that a fill whose lookup began before the change cannot write the old value back (fills
 * without a FillTicket are refused for as long as the mark lasts).
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
  /** Key -> performance.now() when its last invalidation was heard here. */
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
    return (await this.readShared(keys)).reads;
  }

  /**
   * The same, with the ticket that fills after this lookup (from the database) must carry. The
   * entries' markers are read in the same round trip.
   */
  async readShared(
    keys: readonly string[],
  ): Promise<{ reads: CacheRead<T>[]; ticket: FillTicket }> {
    const startedAt = performance.now();
    const unread = { reads: keys.map(() => MISS), ticket: { startedAt, markers: undefined } };
    if (!this.shared || !this.sharedTrusted) return unread;
    const names = keys.map((k) => this.namespace + k);
    let raws: (string | undefined)[];
    try {
      raws = await this.shared.getMany([...names, ...names.map(markerOf)]);
    } catch {
      return unread; // Redis away: the database answers instead.
    }
    const ticket = {
      startedAt,
      markers: new Map(keys.map((key, i) => [key, raws[keys.length + i]])),
    };
    const reads = keys.map((key, i): CacheRead<T> => {
      const raw = raws[i];
      if (raw === undefined) return MISS;
      if (raw === NEGATIVE) {
        this.setLocal(key, NEGATIVE, this.config.negativeTtlMs, ticket);
        return NEGATIVE_HIT;
      }
      const value = JSON.parse(raw) as T;
      this.setLocal(key, value, this.config.localTtlMs, ticket);
      return { hit: 'value', value };
    });
    return { reads, ticket };
  }

  /**
   * Caches a value for at most ttlMs (capped by the configured TTLs). With the ticket of the lookup
   * that found it, refused only if the entry was invalidated since that lookup began; without one,
   * while it was invalidated in the last MARKER_TTL_MS.
   */
  set(key: string, value: T, ttlMs: number, ticket?: FillTicket): void {
    this.fill(key, value, JSON.stringify(value), ttlMs, ticket);
  }

  /** Remembers that key has no value, for the negative TTL. */
  setNegative(key: string, ticket?: FillTicket): void {
    if (this.config.negativeTtlMs > 0)
      this.fill(key, NEGATIVE, NEGATIVE, this.config.negativeTtlMs, ticket);
  }

  /** Drops keys from this instance's tier (on hearing of a change). */
  dropLocal(keys: readonly string[]): void {
    const now = performance.now();
    if (this.localMarks.size > 10_000) {
      for (const [key, heardAt] of this.localMarks) {
        if (now - heardAt > MARKER_TTL_MS) this.localMarks.delete(key);
      }
    }
    for (const key of keys) {
      this.local?.delete(key);
      this.localMarks.set(key, now);
    }
  }

  /** Drops keys from the shared tier (done once, by the instance that made the change). */
  async dropShared(keys: readonly string[]): Promise<void> {
    if (!this.shared || keys.length === 0) return;
    const names = keys.map((k) => this.namespace + k);
    await this.shared.deleteAndMark(names, names.map(markerOf), MARKER_TTL_MS);
  }

  private fill(
    key: string,
    local: T | typeof NEGATIVE,
    shared: string,
    ttlMs: number,
    ticket: FillTicket | undefined,
  ): void {
    if (ttlMs <= 0 || this.invalidatedSince(key, ticket)) return;
    this.setLocal(key, local, Math.min(ttlMs, this.config.localTtlMs), ticket);
    if (this.shared) {
      const name = this.namespace + key;
      const ttl = Math.min(
        ttlMs,
        local === NEGATIVE ? this.config.negativeTtlMs : this.config.sharedTtlMs,
      );
      // Unread markers are expected absent: refused while any recent invalidation is marked.
      this.shared
        .setIfMarkerIs(name, markerOf(name), ticket?.markers?.get(key), shared, ttl)
        .catch(() => undefined);
    }
  }

  private setLocal(
    key: string,
    value: T | typeof NEGATIVE,
    ttlMs: number,
    ticket: FillTicket | undefined,
  ): void {
    if (!this.local || !this.bus.live || ttlMs <= 0 || this.invalidatedSince(key, ticket)) return;
    this.local.set(key, value, { ttl: ttlMs });
  }

  /** Whether this instance heard key invalidated since the ticket's lookup began (or lately). */
  private invalidatedSince(key: string, ticket: FillTicket | undefined): boolean {
    const heardAt = this.localMarks.get(key);
    if (heardAt === undefined) return false;
    if (performance.now() - heardAt > MARKER_TTL_MS) {
      this.localMarks.delete(key);
      return false;
    }
    return ticket === undefined || heardAt >= ticket.startedAt;
  }
}

function markerOf(name: string): string {
  return `${name}:invalidated`;
}

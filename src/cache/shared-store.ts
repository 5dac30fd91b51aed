/**
 * A key-value store shared by every Portcullis instance (Redis), or, with no REDIS_URL, by this
 * process alone. Values are strings; every entry has a time to live.
 */
export abstract class SharedStore {
  abstract readonly kind: 'redis' | 'in-process';
  abstract getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  /**
   * Sets key only while `marker` still holds `expected` (undefined: while it does not exist),
   * atomically: a cache fill whose lookup read the marker before an invalidation changed it must
   * not write back what it read.
   */
  abstract setIfMarkerIs(
    key: string,
    marker: string,
    expected: string | undefined,
    value: string,
    ttlMs: number,
  ): Promise<void>;
  /** Sets key unless `marker` exists. */
  setUnlessMarked(key: string, marker: string, value: string, ttlMs: number): Promise<void> {
    return this.setIfMarkerIs(key, marker, undefined, value, ttlMs);
  }
  /**
   * Deletes keys and marks each of their markers with a value it has not held in the last
   * markerTtlMs (a counter), for markerTtlMs, atomically.
   */
  abstract deleteAndMark(keys: string[], markers: string[], markerTtlMs: number): Promise<void>;
  /** Deletes every entry whose key starts with namespace. */
  abstract dropAll(namespace: string): Promise<void>;
  /** Sets key to value for ttlMs, unconditionally (records that are not caches: console sessions). */
  abstract set(key: string, value: string, ttlMs: number): Promise<void>;
  abstract delete(keys: readonly string[]): Promise<void>;
  /**
   * Reads and deletes key in one step, so that of two callers only one gets the value (records
   * that must serve once: pending logins).
   */
  abstract getAndDelete(key: string): Promise<string | undefined>;
  /** Resolves when the store answers; rejects otherwise (readiness). */
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
}

/** A message bus between instances (Redis pub/sub), or within this process alone. */
export abstract class MessageBus {
  abstract readonly kind: 'redis' | 'in-process';
  abstract publish(channel: string, message: string): Promise<void>;
  /** Registers a handler; messages published by this instance are delivered to it too. */
  abstract subscribe(channel: string, handler: (message: string) => void): Promise<void>;
  /**
   * True while messages are being received. While false, this instance may miss invalidations, so
   * nothing it holds in process may be trusted; `onLost` handlers run when it becomes false.
   */
  abstract readonly live: boolean;
  abstract onLost(handler: () => void): void;
  /** Handlers run when messages are received again after a loss. */
  abstract onRestored(handler: () => void): void;
  abstract close(): Promise<void>;
}

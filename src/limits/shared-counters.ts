/** One fixed-window counter to add to: it starts at zero and lives for ttlMs from its first add. */
export interface CounterAdd {
  key: string;
  amount: number;
  ttlMs: number;
}

/** What an instance takes from one shared token bucket, and how that bucket refills. */
export interface BucketTake {
  key: string;
  /** Tokens taken (requests admitted) since this instance last reported; may be 0 (a look). */
  amount: number;
  /** The bucket's size: a full bucket is this many requests at once. */
  capacity: number;
  /** Tokens added back per millisecond (requests per period / period). */
  refillPerMs: number;
}

/**
 * Counters and token buckets shared by every instance (Redis). Both calls are one round trip for
 * all their entries, whatever their number: the limits module calls them off the answer's path or
 * in batches, never once per allowed request. Without Redis there is nothing to share (`shared`
 * is false) and the limits are kept in process.
 */
export abstract class SharedCounters {
  abstract readonly shared: boolean;
  /** Adds to each counter; resolves to their new totals, in order. */
  abstract add(entries: readonly CounterAdd[]): Promise<number[]>;
  /**
   * Takes from each bucket (refilled to now by the server's clock first); resolves to the tokens
   * left in each, which may be negative when the instances together took more than there was.
   */
  abstract take(entries: readonly BucketTake[]): Promise<number[]>;
}

/** The single instance's SharedCounters: nothing to share, so nothing is ever asked of it. */
export class UnsharedCounters extends SharedCounters {
  readonly shared = false;
  add(): Promise<number[]> {
    return Promise.reject(new Error('No shared counters without Redis'));
  }
  take(): Promise<number[]> {
    return Promise.reject(new Error('No shared counters without Redis'));
  }
}

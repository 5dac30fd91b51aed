import type { Rate } from '../core/rate.js';

/**
 * One instance's share of a token bucket that all instances fill and empty together (in Redis).
 * A bucket holds a whole period's requests (`capacity`) and refills evenly over the period, so a
 * quota of 600 per minute admits 600 at once, then 10 a second. Each request takes a token here,
 * in memory; what was taken is reported to the shared bucket in batches (see QuotaBuckets), and
 * what the shared bucket says is left, less what was taken here since, is this bucket's new level.
 * Between reports it refills by the clock. Without reports (no Redis, or Redis down) it is a
 * plain local bucket: the quota holds on each instance alone. Times are epoch milliseconds.
 */
export class TokenBucket {
  readonly capacity: number;
  readonly refillPerMs: number;
  private tokens: number;
  private at: number;
  /** Taken here and not yet reported. */
  private unreported = 0;
  /** Taken here and reported, the report not yet answered. */
  private reporting = 0;
  /** When a token was last taken or offered, for forgetting idle buckets. */
  lastUsedAt: number;
  /** Dropped from the instance's buckets (idle and full): whoever holds it must look again. */
  forgotten = false;

  constructor(rate: Rate, now: number) {
    this.capacity = rate.requests;
    this.refillPerMs = rate.requests / (rate.periodSeconds * 1000);
    this.tokens = this.capacity;
    this.at = now;
    this.lastUsedAt = now;
  }

  /** Whether a token is there now (refilled by the clock first); takes nothing. */
  has(now: number): boolean {
    this.refill(now);
    this.lastUsedAt = now;
    return this.tokens >= 1;
  }

  /** Takes a token, which `has` said was there. */
  take(): void {
    this.tokens -= 1;
    this.unreported += 1;
  }

  /** Milliseconds until a token will be there (0: now). */
  waitMs(now: number): number {
    this.refill(now);
    // Less a hair: the refill's floating-point error must not add a millisecond.
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.refillPerMs - 1e-6);
  }

  /** Tokens taken here since the last report. */
  get pending(): number {
    return this.unreported;
  }

  /** Starts a report: what it carries is no longer pending. */
  beginReport(): number {
    this.reporting = this.unreported;
    this.unreported = 0;
    return this.reporting;
  }

  /**
   * The shared bucket's answer to a report: `left` tokens after every instance's takes, this
   * report's included. Tokens taken here while the report was on its way come off it.
   */
  reported(left: number, now: number): void {
    this.tokens = Math.min(this.capacity, left - this.unreported);
    this.at = now;
    this.reporting = 0;
  }

  /** A report that failed: what it carried is pending again, for the next one. */
  reportFailed(): void {
    this.unreported += this.reporting;
    this.reporting = 0;
  }

  /** Full, with nothing to report: forgetting it loses nothing. */
  idle(now: number): boolean {
    this.refill(now);
    return this.unreported === 0 && this.reporting === 0 && this.tokens >= this.capacity;
  }

  private refill(now: number): void {
    if (now > this.at) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.at) * this.refillPerMs);
      this.at = now;
    }
  }
}

import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import type { Quota } from '../core/quota.js';
import { SharedCounters } from './shared-counters.js';
import { TokenBucket } from './token-bucket.js';

/** Buckets forgotten when idle and full, at most this often. */
const SWEEP_MS = 10_000;

/**
 * The token buckets of every quota this instance has seen, shared with the other instances
 * through Redis WITHOUT a round trip per request: a request takes from the local buckets
 * (synchronously), and what was taken is reported to Redis in one batch every QUOTA_SYNC_MS, or
 * as soon as a bucket has QUOTA_SYNC_EVERY requests to report, whichever is first. Redis answers
 * with what is left in each shared bucket, which becomes the local level.
 *
 * Error bound: an instance does not see the others' takes between its reports, so all instances
 * together may admit up to about (instances - 1) x QUOTA_SYNC_EVERY requests beyond a quota (plus
 * what arrives during one Redis round trip); the shared bucket then runs into debt (at most one
 * bucket's worth), which later requests pay back, so over time the rate holds. Without Redis, or
 * while it cannot be reached, each instance enforces each quota on its own.
 */
@Injectable()
export class QuotaBuckets implements OnApplicationShutdown {
  private readonly buckets = new Map<string, TokenBucket>();
  /** Each quota object (one per cached identity) straight to its bucket: no name to build. */
  private readonly byQuota = new WeakMap<Quota, TokenBucket>();
  private readonly timer: NodeJS.Timeout;
  private readonly syncEvery: number;
  private reportRunning = false;
  private reportAgain = false;
  /** A report is already scheduled for the next turn of the event loop. */
  private reportSoon = false;
  private lastSweep = 0;
  private failures = 0;

  constructor(
    config: AppConfig,
    private readonly counters: SharedCounters,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.syncEvery = config.limits.quotaSyncEvery;
    this.timer = setInterval(() => void this.report(), config.limits.quotaSyncMs);
    this.timer.unref();
  }

  /**
   * Takes one request from every quota, or from none when one is used up: then says how many
   * milliseconds until all of them have room again. 0: admitted. Synchronous: memory only.
   */
  take(quotas: readonly Quota[], now = Date.now()): number {
    if (quotas.length === 1) {
      const bucket = this.bucket(quotas[0]!, now);
      if (!bucket.has(now)) return Math.max(1, bucket.waitMs(now));
      this.taken(bucket);
      return 0;
    }
    const buckets = quotas.map((quota) => this.bucket(quota, now));
    let wait = 0;
    for (const bucket of buckets) if (!bucket.has(now)) wait = Math.max(wait, bucket.waitMs(now));
    if (wait > 0) return wait;
    for (const bucket of buckets) this.taken(bucket);
    return 0;
  }

  private taken(bucket: TokenBucket): void {
    bucket.take();
    if (bucket.pending >= this.syncEvery && this.counters.shared && !this.reportSoon) {
      // Reported soon, not now: the request is answered first. Once: until the report starts,
      // every request finds the bucket still over the mark.
      this.reportSoon = true;
      setImmediate(() => {
        this.reportSoon = false;
        void this.report();
      });
    }
  }

  private bucket(quota: Quota, now: number): TokenBucket {
    const known = this.byQuota.get(quota);
    if (known !== undefined && !known.forgotten) return known;
    // The rate is part of the name: a changed quota starts a bucket of its own.
    const name = `${quota.subject}:${quota.rate.requests}/${quota.rate.periodSeconds}`;
    let bucket = this.buckets.get(name);
    if (bucket === undefined) {
      bucket = new TokenBucket(quota.rate, now);
      this.buckets.set(name, bucket);
    }
    this.byQuota.set(quota, bucket);
    return bucket;
  }

  /** Reports what every bucket took since its last report, in one round trip. */
  async report(now = Date.now()): Promise<void> {
    if (now - this.lastSweep > SWEEP_MS) this.sweep(now);
    if (!this.counters.shared) return;
    if (this.reportRunning) {
      this.reportAgain = true;
      return;
    }
    const batch: [string, TokenBucket, number][] = [];
    for (const [name, bucket] of this.buckets) {
      if (bucket.pending > 0) batch.push([name, bucket, bucket.beginReport()]);
    }
    if (batch.length === 0) return;
    this.reportRunning = true;
    try {
      const left = await this.counters.take(
        batch.map(([name, bucket, amount]) => ({
          key: `limits:quota:${name}`,
          amount,
          capacity: bucket.capacity,
          refillPerMs: bucket.refillPerMs,
        })),
      );
      const answered = Date.now();
      batch.forEach(([, bucket], i) => bucket.reported(left[i]!, answered));
      this.failures = 0;
    } catch (error) {
      for (const [, bucket] of batch) bucket.reportFailed();
      if (this.failures++ === 0) {
        this.logger.warn(
          { err: (error as Error).message },
          'Could not share quota usage through Redis; each instance enforces quotas alone meanwhile',
        );
      }
    } finally {
      this.reportRunning = false;
    }
    if (this.reportAgain) {
      this.reportAgain = false;
      setImmediate(() => void this.report());
    }
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [name, bucket] of this.buckets) {
      if (now - bucket.lastUsedAt > SWEEP_MS && bucket.idle(now)) {
        bucket.forgotten = true;
        this.buckets.delete(name);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // What was taken since the last report counts on the other instances too.
    await this.report();
  }
}

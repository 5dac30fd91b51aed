import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '../config/app-config.js';
import { isPromise, type MaybePromise } from '../core/maybe-promise.js';
import { KnownKeyIds } from '../keys/known-key-ids.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import { SharedCounters } from './shared-counters.js';

/** Over a limit: how long until the window ends and attempts are counted afresh. */
export interface Limited {
  retryAfterSeconds: number;
}

/** What this instance knows of one subject's failures in the current window. */
interface WindowCount {
  window: number;
  /** Failures seen here (a floor of the total when Redis cannot be asked). */
  local: number;
  /** The total of every instance, as Redis last said. */
  shared: number;
}

/**
 * How long a failed attempt's answer waits for Redis's count before deciding on this instance's
 * own. Redis answers in well under a millisecond; this bounds the answer when it is slow.
 */
export const SHARED_COUNT_WAIT_MS = 50;
/** Subjects remembered; a spray of addresses evicts the oldest, never grows the process. */
const MAX_SUBJECTS = 100_000;

/**
 * Counts failed credential attempts per client address and per presented key id, in fixed windows
 * (FAILED_ATTEMPTS_WINDOW_SECONDS), shared by every instance through Redis. A failure is counted
 * here and in Redis (one round trip for both subjects, waited for at most SHARED_COUNT_WAIT_MS);
 * the attempt that takes a subject over its limit, and every later one in the window, is limited.
 * Whether a subject is limited is then known in memory, so asking costs no round trip: successful
 * requests are never slowed. When Redis cannot be asked, this instance's own count decides (fail
 * closed: a subject is limited once it failed too often here alone).
 */
@Injectable()
export class FailedAttemptLimiter {
  private readonly counts = new LRUCache<string, WindowCount>({ max: MAX_SUBJECTS });
  private readonly perIp: number;
  private readonly perKeyId: number;
  private readonly windowMs: number;
  private sharedFailures = 0;
  /** Until when some subject may be over its limit: the end of the last window one went over. */
  private limitedUntil = 0;

  constructor(
    config: AppConfig,
    private readonly counters: SharedCounters,
    private readonly knownKeyIds: KnownKeyIds,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.perIp = config.limits.failedAttemptsPerIp;
    this.perKeyId = config.limits.failedAttemptsPerKeyId;
    this.windowMs = config.limits.failedAttemptsWindowMs;
  }

  /** False when no subject can be over its limit now: the decision path then skips asking. */
  anyLimited(now = Date.now()): boolean {
    return now < this.limitedUntil;
  }

  /**
   * Whether a credential that needs a lookup must be refused now, from memory alone: its key id is
   * over its limit, or its address is and it names no key that exists. So from a limited address a
   * key with a real id is still checked (a valid key is never refused because others failed from
   * its address: one NAT, one proxy nobody listed), a made-up id never reaches the database, and
   * guesses at one key's secret stay limited by its key id.
   */
  beforeLookup(ip: string, keyId: string | undefined, now = Date.now()): Limited | undefined {
    if (now >= this.limitedUntil) return undefined;
    const byKeyId = this.over(this.keyIdSubject(keyId), this.perKeyId, now);
    if (byKeyId !== undefined) return byKeyId;
    const byIp = this.over(this.ipSubject(ip), this.perIp, now);
    if (byIp === undefined || keyId === undefined) return byIp;
    return this.knownKeyIds.has(keyId) === true ? undefined : byIp;
  }

  /**
   * Counts one failed attempt from this address (and with this key id, when the credential named
   * one); says whether it is over a limit. Answers at once without Redis; with Redis, within
   * SHARED_COUNT_WAIT_MS. Never rejects.
   */
  failed(
    ip: string,
    keyId: string | undefined,
    now = Date.now(),
  ): MaybePromise<Limited | undefined> {
    const subjects: [string, number][] = [];
    const ipSubject = this.ipSubject(ip);
    if (ipSubject !== undefined) subjects.push([ipSubject, this.perIp]);
    const keySubject = this.keyIdSubject(keyId);
    if (keySubject !== undefined) subjects.push([keySubject, this.perKeyId]);
    if (subjects.length === 0) return undefined;

    const window = Math.floor(now / this.windowMs);
    for (const [subject] of subjects) this.count(subject, window).local++;
    const decide = () => this.verdict(subjects, now);
    if (!this.counters.shared) return decide();

    const totals = this.counters.add(
      subjects.map(([subject]) => ({
        key: `limits:failed:${subject}:${window}`,
        amount: 1,
        ttlMs: this.windowMs,
      })),
    );
    const answered = totals.then(
      (values) => {
        subjects.forEach(([subject], i) => {
          const count = this.count(subject, window);
          count.shared = Math.max(count.shared, values[i]!);
        });
        this.sharedFailures = 0;
      },
      (error: unknown) => {
        // Once per outage, not once per attempt: a flood of failures would flood the log.
        if (this.sharedFailures++ === 0) {
          this.logger.warn(
            { err: (error as Error).message },
            'Could not count failed attempts in Redis; counting on this instance alone',
          );
        }
      },
    );
    return deadline(answered, SHARED_COUNT_WAIT_MS).then(decide, decide);
  }

  private verdict(subjects: [string, number][], now: number): Limited | undefined {
    for (const [subject, limit] of subjects) {
      const limited = this.over(subject, limit, now);
      if (limited !== undefined) return limited;
    }
    return undefined;
  }

  private over(subject: string | undefined, limit: number, now: number): Limited | undefined {
    if (subject === undefined) return undefined;
    const count = this.counts.get(subject);
    const window = Math.floor(now / this.windowMs);
    if (count === undefined || count.window !== window) return undefined;
    if (Math.max(count.local, count.shared) <= limit) return undefined;
    this.limitedUntil = Math.max(this.limitedUntil, (window + 1) * this.windowMs);
    const endsIn = (window + 1) * this.windowMs - now;
    return { retryAfterSeconds: Math.max(1, Math.ceil(endsIn / 1000)) };
  }

  private count(subject: string, window: number): WindowCount {
    let count = this.counts.get(subject);
    if (count === undefined || count.window !== window) {
      count = { window, local: 0, shared: 0 };
      this.counts.set(subject, count);
    }
    return count;
  }

  private ipSubject(ip: string): string | undefined {
    return this.perIp > 0 && ip !== '' ? `ip:${ip}` : undefined;
  }

  private keyIdSubject(keyId: string | undefined): string | undefined {
    return this.perKeyId > 0 && keyId !== undefined ? `key:${keyId}` : undefined;
  }
}

/** Resolves when `work` settles or after `ms`, whichever is first; never rejects. */
function deadline(work: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void work.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A limiter's answer, whether it came at once or later. */
export function whenLimited<T>(
  limited: MaybePromise<Limited | undefined>,
  then: (limited: Limited | undefined) => T,
): MaybePromise<T> {
  return isPromise(limited) ? limited.then(then) : then(limited);
}

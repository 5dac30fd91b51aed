import { jest } from '@jest/globals';
import { pino } from 'pino';
import type { AppConfig } from '../../src/config/app-config.js';
import type { Quota } from '../../src/core/quota.js';
import { QuotaBuckets } from '../../src/limits/quota-buckets.js';
import { formatRate, parseRate } from '../../src/core/rate.js';
import {
  SharedCounters,
  UnsharedCounters,
  type BucketTake,
} from '../../src/limits/shared-counters.js';
import { TokenBucket } from '../../src/limits/token-bucket.js';

const PER_MINUTE_600 = { requests: 600, periodSeconds: 60 };

describe(TokenBucket.name, () => {
  it('admits a full period at once, then refills evenly (fake clock)', () => {
    let now = 1_000_000;
    const bucket = new TokenBucket({ requests: 3, periodSeconds: 3 }, now);
    for (let i = 0; i < 3; i++) {
      expect(bucket.has(now)).toBe(true);
      bucket.take();
    }
    expect(bucket.has(now)).toBe(false);
    expect(bucket.waitMs(now)).toBe(1000);
    now += 999;
    expect(bucket.has(now)).toBe(false);
    expect(bucket.waitMs(now)).toBe(1);
    now += 1;
    expect(bucket.has(now)).toBe(true);
    bucket.take();
    // Refilling never goes past a full bucket.
    now += 60_000;
    for (let i = 0; i < 3; i++) {
      expect(bucket.has(now)).toBe(true);
      bucket.take();
    }
    expect(bucket.has(now)).toBe(false);
  });

  it('counts what was taken until it is reported, and takes later takes off the answer', () => {
    const now = 0;
    const bucket = new TokenBucket(PER_MINUTE_600, now);
    for (let i = 0; i < 5; i++) bucket.take();
    expect(bucket.pending).toBe(5);
    expect(bucket.beginReport()).toBe(5);
    expect(bucket.pending).toBe(0);
    bucket.take(); // while the report is on its way
    bucket.reported(2, now); // the shared bucket: 2 left after everyone's takes
    expect(bucket.pending).toBe(1);
    expect(bucket.has(now)).toBe(true); // 2 - 1 = 1 token
    bucket.take();
    expect(bucket.has(now)).toBe(false);
  });

  it('puts a failed report back to be sent again', () => {
    const bucket = new TokenBucket(PER_MINUTE_600, 0);
    bucket.take();
    bucket.take();
    bucket.beginReport();
    bucket.take();
    bucket.reportFailed();
    expect(bucket.pending).toBe(3);
  });

  it('waits out a debt the shared bucket reports', () => {
    const bucket = new TokenBucket({ requests: 60, periodSeconds: 60 }, 0);
    bucket.take();
    bucket.beginReport();
    bucket.reported(-4, 0);
    expect(bucket.has(0)).toBe(false);
    expect(bucket.waitMs(0)).toBe(5000);
  });
});

/** A shared bucket store as Redis keeps it, with its own clock. */
class FakeSharedCounters extends SharedCounters {
  readonly shared = true;
  readonly buckets = new Map<string, { tokens: number; at: number }>();
  calls = 0;
  constructor(private readonly clock: () => number) {
    super();
  }
  add(): Promise<number[]> {
    throw new Error('not used');
  }
  async take(entries: readonly BucketTake[]): Promise<number[]> {
    this.calls++;
    const now = this.clock();
    return entries.map((e) => {
      const state = this.buckets.get(e.key) ?? { tokens: e.capacity, at: now };
      state.tokens = Math.min(e.capacity, state.tokens + (now - state.at) * e.refillPerMs);
      state.tokens = Math.max(-e.capacity, state.tokens - e.amount);
      state.at = now;
      this.buckets.set(e.key, state);
      return state.tokens;
    });
  }
}

const silent = pino({ level: 'silent' });
const config = (syncEvery: number) =>
  ({ limits: { quotaSyncMs: 60_000, quotaSyncEvery: syncEvery } }) as AppConfig;

describe(QuotaBuckets.name, () => {
  const quota: Quota = { subject: 'key:k1', rate: { requests: 100, periodSeconds: 60 } };
  const instances: QuotaBuckets[] = [];
  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.onApplicationShutdown();
  });
  const start = (counters: SharedCounters, syncEvery = 10) => {
    const instance = new QuotaBuckets(config(syncEvery), counters, silent);
    instances.push(instance);
    return instance;
  };

  it('without Redis, holds each quota on this instance alone', () => {
    const buckets = start(new UnsharedCounters());
    const now = 5_000;
    let admitted = 0;
    for (let i = 0; i < 150; i++) if (buckets.take([quota], now) === 0) admitted++;
    expect(admitted).toBe(100);
    expect(buckets.take([quota], now)).toBe(600); // one token per 600 ms
  });

  it('takes from every quota or from none', () => {
    const buckets = start(new UnsharedCounters());
    const small: Quota = { subject: 'group:g', rate: { requests: 2, periodSeconds: 60 } };
    const now = 0;
    expect(buckets.take([quota, small], now)).toBe(0);
    expect(buckets.take([quota, small], now)).toBe(0);
    expect(buckets.take([quota, small], now)).toBeGreaterThan(0);
    // The refused request took nothing from the key's own quota: 98 left.
    let admitted = 0;
    for (let i = 0; i < 200; i++) if (buckets.take([quota], now) === 0) admitted++;
    expect(admitted).toBe(98);
  });

  it('two instances sharing a bucket admit the quota plus at most one batch per other instance', async () => {
    const now = 1_000;
    const counters = new FakeSharedCounters(() => now);
    const a = start(counters, 10);
    const b = start(counters, 10);
    let admitted = 0;
    // Requests alternate between the instances, each reporting every 10 (as the early
    // report would, here run by hand so that the clock stays still).
    for (let i = 0; i < 400; i++) {
      const instance = i % 2 === 0 ? a : b;
      if (instance.take([quota], now) === 0) admitted++;
      if (i % 10 === 9) {
        await a.report(now);
        await b.report(now);
      }
    }
    expect(admitted).toBeGreaterThanOrEqual(100);
    expect(admitted).toBeLessThanOrEqual(100 + 10);
    // The overshoot is a debt: the shared bucket refuses until it is paid back.
    expect(a.take([quota], now)).toBeGreaterThan(0);
    expect(b.take([quota], now)).toBeGreaterThan(0);
  });

  it('asks for one report however many requests arrive before it starts', async () => {
    const counters = new FakeSharedCounters(() => 0);
    const buckets = start(counters, 5);
    const scheduled = jest.spyOn(globalThis, 'setImmediate');
    for (let i = 0; i < 50; i++) buckets.take([quota], 0);
    expect(scheduled).toHaveBeenCalledTimes(1);
    scheduled.mockRestore();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(counters.calls).toBe(1);
    expect(counters.buckets.get('limits:quota:key:k1:100/60')?.tokens).toBe(50);
  });

  it('a quota whose idle bucket was forgotten gets a bucket that is reported again', async () => {
    let now = 0;
    const counters = new FakeSharedCounters(() => now);
    const buckets = start(counters, 1_000);
    buckets.take([quota], now);
    await buckets.report(now);
    // Idle and full again (100 per minute refills within a minute): forgotten at the next sweep.
    now = 120_000;
    await buckets.report(now);
    buckets.take([quota], now);
    await buckets.report(now);
    expect(counters.buckets.get('limits:quota:key:k1:100/60')?.tokens).toBe(99);
  });

  it('carries usage a failed report could not send to the next report', async () => {
    let fail = true;
    const now = 0;
    const inner = new FakeSharedCounters(() => now);
    const counters = new (class extends SharedCounters {
      readonly shared = true;
      add(): Promise<number[]> {
        throw new Error('not used');
      }
      take(entries: readonly BucketTake[]) {
        return fail ? Promise.reject(new Error('down')) : inner.take(entries);
      }
    })();
    const buckets = start(counters);
    for (let i = 0; i < 30; i++) buckets.take([quota], now);
    await buckets.report(now);
    fail = false;
    await buckets.report(now);
    expect([...inner.buckets.values()][0]!.tokens).toBe(70);
  });
});

describe('rates', () => {
  it('reads and writes "<n> per <unit>"', () => {
    expect(parseRate('600 per minute')).toEqual(PER_MINUTE_600);
    expect(parseRate('600/minute')).toEqual(PER_MINUTE_600);
    expect(parseRate('5 per Second')).toEqual({ requests: 5, periodSeconds: 1 });
    expect(parseRate('1 per days')).toEqual({ requests: 1, periodSeconds: 86_400 });
    for (const bad of ['0 per minute', '600', 'per minute', '600 per fortnight', '-1 per hour']) {
      expect(parseRate(bad)).toBeUndefined();
    }
    expect(formatRate(PER_MINUTE_600)).toBe('600 per minute');
  });
});

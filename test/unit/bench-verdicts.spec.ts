import type { Measured, RunResult, ScenarioResult } from '../../bench/harness.js';
import type { ScaleResult } from '../../bench/scenarios/scale.js';
import {
  coldGrowth,
  median,
  percentile,
  ratioOf,
  targetVerdicts,
  type Report,
} from '../../bench/verdicts.js';

/** A counted run with this throughput and latencies. */
const run = (requestsPerSecond: number, p50Ms = 1, p99Ms = 2): RunResult => ({
  requestsPerSecond,
  requests: requestsPerSecond * 4,
  p50Ms,
  p99Ms,
  unexpected: 0,
});

/** Runs of a scenario, each beside the baseline run made just before it. */
const measured = (pairs: [rps: number, baselineRps: number, p99Ms?: number][]): Measured => ({
  runs: pairs.map(([rps, , p99]) => run(rps, 1, p99)),
  baselineRuns: pairs.map(([, baseline]) => run(baseline)),
});

const scenario = (name: string, result: Measured): ScenarioResult => ({
  name,
  baseline: 'floor',
  result,
});

const report = (extra: Partial<Report> = {}): Report => ({
  results: [],
  revocation: undefined,
  scale: undefined,
  backends: {},
  seconds: 300,
  ...extra,
});

/** Whether the target whose label starts with `label` was met. */
const verdictOf = (of: Report, label: string) => {
  const found = targetVerdicts(of).filter((v) => v.label.startsWith(label));
  expect(found).toHaveLength(1);
  return found[0]!.met;
};

// The benchmark's verdicts (bench/verdicts.ts): the statistics in its tables and the targets in
// docs/benchmarks.md. A wrong median or threshold would report a target met that was not.
describe('bench verdicts', () => {
  describe(median.name, () => {
    it('takes the middle value of an odd count, whatever the order, leaving the input as it was', () => {
      const values = [9, 1, 5];
      expect(median(values)).toBe(5);
      expect(values).toEqual([9, 1, 5]);
      expect(median([7])).toBe(7);
      expect(median([3, 100, 2, 1, 50])).toBe(3);
    });

    it('takes the upper of the two middle values of an even count (no averaging)', () => {
      expect(median([4, 1, 3, 2])).toBe(3);
      expect(median([10, 20])).toBe(20);
    });
  });

  describe(percentile.name, () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 down to 1

    it('is the nearest rank: the smallest value with at least that share at or below it', () => {
      expect(percentile(hundred, 0.5)).toBe(50);
      expect(percentile(hundred, 0.99)).toBe(99);
      expect(percentile(hundred, 0.991)).toBe(100);
      expect(percentile(hundred, 1)).toBe(100);
      expect(percentile([4, 1, 3, 2], 0.5)).toBe(2);
      expect(percentile([4, 1, 3, 2], 0.51)).toBe(3);
      expect(percentile([8], 0.99)).toBe(8);
    });
  });

  describe(ratioOf.name, () => {
    it('is the median of the ratios of each run to the baseline run beside it', () => {
      // Ratios 0.5, 0.5 and 0.8: 0.5. The ratio of the medians (80 / 100) would say 0.8.
      expect(
        ratioOf(
          measured([
            [50, 100],
            [100, 200],
            [80, 100],
          ]),
        ),
      ).toBe(0.5);
      expect(
        ratioOf(
          measured([
            [60, 100],
            [90, 100],
            [50, 100],
          ]),
        ),
      ).toBe(0.6);
    });
  });

  describe(coldGrowth.name, () => {
    it("is the median of each many-keys run's p50 over the 1,000-key run's just before it", () => {
      const large: Measured = {
        runs: [run(1, 3), run(1, 2), run(1, 10)],
        baselineRuns: [run(1, 2), run(1, 1), run(1, 5)],
      };
      expect(coldGrowth({ large } as ScaleResult)).toBe(2); // ratios 1.5, 2 and 2
    });
  });

  describe(targetVerdicts.name, () => {
    const cached = (ratio: number, p99Ms: number) =>
      report({
        results: [
          scenario(
            'nginx endpoint, valid key, in-process cache',
            measured([[ratio * 100, 100, p99Ms]]),
          ),
        ],
      });

    it('holds a cached decision to 0.60 of the floor and a p99 under 5 ms', () => {
      expect(verdictOf(cached(0.6, 4.99), 'cached decision')).toBe(true);
      expect(verdictOf(cached(0.59, 1), 'cached decision')).toBe(false);
      expect(verdictOf(cached(0.9, 5), 'cached decision')).toBe(false);
      expect(targetVerdicts(cached(0.6, 4.99))[0]).toEqual({
        label: 'cached decision ≥ 0.60 of the floor, p99 < 5 ms',
        value: '0.60, p99 4.99 ms',
        met: true,
      });
    });

    it('holds nginx + Portcullis to 0.50 of nginx alone, and the JWT path to 1.0 of Apache', () => {
      const measuredAs = (name: string, ratio: number) =>
        report({ results: [scenario(name, measured([[ratio * 100, 100]]))] });
      expect(
        verdictOf(measuredAs('nginx + Portcullis (auth_request)', 0.5), 'Portcullis in front'),
      ).toBe(true);
      expect(
        verdictOf(measuredAs('nginx + Portcullis (auth_request)', 0.49), 'Portcullis in front'),
      ).toBe(false);
      const peer = 'nginx + Portcullis + upstream, provider JWT';
      expect(verdictOf(measuredAs(peer, 1), 'at least as fast as Apache')).toBe(true);
      expect(verdictOf(measuredAs(peer, 0.99), 'at least as fast as Apache')).toBe(false);
    });

    it('holds the revocation lag p99 under 1 s', () => {
      const lags = (p99: number) =>
        report({ revocation: { trials: 100, lagsMs: [...Array(99).fill(10), p99] } });
      // 100 lags: the p99 is the 99th smallest, so one slow trial in 100 does not count.
      expect(verdictOf(lags(5000), 'revocation')).toBe(true);
      const slow = (p99: number) =>
        report({ revocation: { trials: 100, lagsMs: [...Array(98).fill(10), p99, p99] } });
      expect(verdictOf(slow(999), 'revocation')).toBe(true);
      expect(verdictOf(slow(1000), 'revocation')).toBe(false);
    });

    it('holds cold lookups with many keys within 1.5× of 1,000 keys, and the RSS under 300 MB', () => {
      const scale = (growth: number, rssAfterDistinctMb: number) =>
        report({
          scale: {
            large: { runs: [run(1, growth * 2)], baselineRuns: [run(1, 2)] },
            largeCount: 1_000_000,
            rssAfterDistinctMb,
          } as ScaleResult,
        });
      expect(verdictOf(scale(1.5, 299), 'cold lookup at 1,000,000 keys')).toBe(true);
      expect(verdictOf(scale(1.51, 299), 'cold lookup')).toBe(false);
      expect(verdictOf(scale(1, 299), 'RSS under 300 MB')).toBe(true);
      expect(verdictOf(scale(1, 300), 'RSS under 300 MB')).toBe(false);
    });

    it('holds the whole run to 10 minutes, and judges only what was measured', () => {
      expect(targetVerdicts(report({ seconds: 600 }))).toEqual([
        { label: 'the whole benchmark within 10 minutes', value: '600 s', met: true },
      ]);
      expect(verdictOf(report({ seconds: 601 }), 'the whole benchmark')).toBe(false);
    });

    it('holds a decision by the last of 1,000 rules to 0.90 of the last of 10, and compiling to 50 ms', () => {
      const rules = (pairs: [number, number][]) =>
        report({
          results: [
            scenario('nginx endpoint, valid key, decided by rule 1,000 of 1,000', measured(pairs)),
          ],
        });
      expect(
        verdictOf(
          rules([
            [900, 1000],
            [910, 1000],
            [880, 1000],
          ]),
          'a decision by rule 1,000',
        ),
      ).toBe(true);
      expect(
        verdictOf(
          rules([
            [890, 1000],
            [899, 1000],
            [950, 1000],
          ]),
          'a decision by rule 1,000',
        ),
      ).toBe(false);
      expect(verdictOf(report({ rulesCompileMs: [60, 49, 10] }), 'compiling 1,000 rules')).toBe(
        true,
      );
      expect(verdictOf(report({ rulesCompileMs: [50, 51, 10] }), 'compiling 1,000 rules')).toBe(
        false,
      );
    });
  });
});

// The benchmark's verdict maths: the statistics its tables show, and the targets it holds the
// results to. Pure (no servers, no files, nothing at import), so that a unit spec can check it
// (test/unit/bench-verdicts.spec.ts).
import type { Measured, ScenarioResult } from './harness.js';
import type { RevocationResult } from './scenarios/revocation.js';
import type { ScaleResult } from './scenarios/scale.js';

export interface Report {
  results: ScenarioResult[];
  revocation: RevocationResult | undefined;
  scale: ScaleResult | undefined;
  /** Milliseconds to compile a 1,000-rule list, one per trial. */
  rulesCompileMs?: number[];
  backends: { databaseUrl?: string; redisUrl?: string };
  seconds: number;
}

/** One target: what it asks, what was measured, and whether that meets it. */
export interface TargetVerdict {
  label: string;
  value: string;
  met: boolean;
}

export const ms = (value: number) => value.toFixed(2);

/**
 * The middle value once sorted; of an even count, the upper of the two middle ones (runs are odd
 * in number by default, BENCH_RUNS=3).
 */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The value below which `share` of the values lie (nearest rank). */
export function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
}

/** The median of the ratios of each run's throughput to that of the baseline run just before it. */
export function ratioOf(result: Measured): number {
  return median(
    result.runs.map((r, i) => r.requestsPerSecond / result.baselineRuns[i]!.requestsPerSecond),
  );
}

/**
 * p50 latency of cold lookups with many keys over that with 1,000 keys: the median of the ratios
 * of each many-keys run to the 1,000-key run made just before it (same minute, same noise).
 */
export function coldGrowth(scale: ScaleResult): number {
  return median(scale.large.runs.map((r, i) => r.p50Ms / scale.large.baselineRuns[i]!.p50Ms));
}

function find(results: ScenarioResult[], prefix: string): ScenarioResult | undefined {
  return results.find((r) => r.name.startsWith(prefix));
}

/** The targets the results in the report can be held to, each met or not. */
export function targetVerdicts(report: Report): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  const check = (label: string, value: string, met: boolean) =>
    verdicts.push({ label, value, met });
  const cached = find(report.results, 'nginx endpoint, valid key, in-process');
  if (cached) {
    const p99 = median(cached.result.runs.map((r) => r.p99Ms));
    check(
      'cached decision ≥ 0.60 of the floor, p99 < 5 ms',
      `${ratioOf(cached.result).toFixed(2)}, p99 ${ms(p99)} ms`,
      ratioOf(cached.result) >= 0.6 && p99 < 5,
    );
  }
  const e2e = find(report.results, 'nginx + Portcullis (auth_request)');
  if (e2e)
    check(
      'Portcullis in front costs at most half of nginx alone (≥ 0.50)',
      ratioOf(e2e.result).toFixed(2),
      ratioOf(e2e.result) >= 0.5,
    );
  const rules = find(report.results, 'nginx endpoint, valid key, decided by rule 1,000');
  if (rules)
    check(
      'a decision by rule 1,000 of 1,000 ≥ 0.90 of one by rule 10 of 10',
      ratioOf(rules.result).toFixed(2),
      ratioOf(rules.result) >= 0.9,
    );
  if (report.rulesCompileMs) {
    const compile = median(report.rulesCompileMs);
    check('compiling 1,000 rules < 50 ms', `${ms(compile)} ms`, compile < 50);
  }
  const peer = find(report.results, 'nginx + Portcullis + upstream, provider JWT');
  if (peer)
    check(
      'at least as fast as Apache mod_oauth2 on the same JWT (≥ 1.0)',
      ratioOf(peer.result).toFixed(2),
      ratioOf(peer.result) >= 1,
    );
  if (report.revocation) {
    const p99 = percentile(report.revocation.lagsMs, 0.99);
    check(
      'revocation reaches the other instance, p99 < 1 s (aim 100 ms)',
      `${ms(p99)} ms`,
      p99 < 1000,
    );
  }
  if (report.scale) {
    const growth = coldGrowth(report.scale);
    check(
      `cold lookup at ${report.scale.largeCount.toLocaleString('en')} keys within 1.5× of 1,000`,
      `${growth.toFixed(2)}×`,
      growth <= 1.5,
    );
    check(
      'RSS under 300 MB after the distinct keys',
      `${report.scale.rssAfterDistinctMb} MB`,
      report.scale.rssAfterDistinctMb < 300,
    );
  }
  check(
    'the whole benchmark within 10 minutes',
    `${Math.round(report.seconds)} s`,
    report.seconds <= 600,
  );
  return verdicts;
}

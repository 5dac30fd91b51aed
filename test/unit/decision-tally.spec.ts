import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import type { Decision } from '../../src/core/decision.js';
import type { DecisionInterface } from '../../src/core/decision-request.js';
import { DECISION_LATENCY_BOUNDS, DecisionTally } from '../../src/metrics/decision-tally.js';

const INTERFACES: DecisionInterface[] = ['nginx', 'envoy-http', 'envoy-grpc', 'json'];
const decision = (allowed: boolean, reason: string) => ({ allowed, reason }) as Decision;

type DecisionCounter = Counter<'interface' | 'outcome' | 'reason'>;

/** A decision counter in `registry`, its values set by `collect` when given. */
function decisionCounter(
  registry: Registry,
  collect?: (counter: DecisionCounter) => void,
): DecisionCounter {
  return new Counter({
    name: 'decisions_total',
    help: 'h',
    labelNames: ['interface', 'outcome', 'reason'] as const,
    registers: [registry],
    ...(collect && {
      collect() {
        collect(this);
      },
    }),
  });
}

/** What prom-client itself prints for the same observations: the tally must say the same. */
async function promClientText(
  observations: { via: DecisionInterface; allowed: boolean; reason: string; ms: number }[],
): Promise<{ counts: string; latency: string }> {
  const registry = new Registry();
  const counter = decisionCounter(registry);
  const histogram = new Histogram({
    name: 'latency_seconds',
    help: 'h',
    labelNames: ['interface'] as const,
    buckets: [...DECISION_LATENCY_BOUNDS],
    registers: [],
  });
  for (const { via, allowed, reason, ms } of observations) {
    counter.labels(via, allowed ? 'allow' : 'deny', reason).inc();
    histogram.labels(via).observe(ms / 1000);
  }
  const latencyRegistry = new Registry();
  latencyRegistry.registerMetric(histogram);
  return { counts: await registry.metrics(), latency: await latencyRegistry.metrics() };
}

describe(DecisionTally.name, () => {
  const observation = fc.record({
    via: fc.constantFrom(...INTERFACES),
    allowed: fc.boolean(),
    reason: fc.constantFrom('authenticated', 'public', 'unknown_key', 'revoked_key'),
    // Around and on the bucket bounds, and beyond the last.
    ms: fc.oneof(
      fc.constantFrom(...DECISION_LATENCY_BOUNDS.map((seconds) => seconds * 1000)),
      fc.double({ min: 0, max: 1000, noNaN: true }),
    ),
  });

  it('prints the counts and the latency histogram as prom-client would', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 40 }), async (observations) => {
        const tally = new DecisionTally();
        for (const { via, allowed, reason, ms } of observations) {
          tally.record(via, decision(allowed, reason), ms);
        }
        const registry = new Registry();
        const counter = decisionCounter(registry, (c) => tally.countInto(c));
        const expected = await promClientText(observations);
        // The same samples; their order follows first sight, which differs.
        expect(sortedLines(await registry.metrics())).toEqual(sortedLines(expected.counts));
        if (observations.length > 0) {
          expect(
            sortedLines(`${tally.latencyText('latency_seconds', 'h')}`).map(withoutFloatNoise),
          ).toEqual(sortedLines(expected.latency).map(withoutFloatNoise));
        }
        counter.reset();
      }),
      { numRuns: 300 },
    );
  });

  it('counts a latency on a bound in that bound’s bucket, as Prometheus’ `le` says', () => {
    const tally = new DecisionTally();
    tally.record('nginx', decision(true, 'authenticated'), 0.05); // exactly 0.00005 s
    tally.record('nginx', decision(true, 'authenticated'), 0.0501);
    const text = tally.latencyText('l', 'h');
    expect(text).toContain('l_bucket{le="0.00005",interface="nginx"} 1\n');
    expect(text).toContain('l_bucket{le="0.0001",interface="nginx"} 2\n');
    expect(text).toContain('l_count{interface="nginx"} 2\n');
  });
});

/** The lines in a fixed order. */
function sortedLines(text: string): string[] {
  return text.split('\n').filter(Boolean).sort();
}

/** Sums add up in a different order; compare them to nine significant digits. */
function withoutFloatNoise(line: string): string {
  const match = /^(\S+_sum\S*) (\S+)$/.exec(line);
  return match ? `${match[1]} ${Number(match[2]).toPrecision(9)}` : line;
}

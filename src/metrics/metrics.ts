import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Decision } from '../core/decision.js';
import type { DecisionInterface } from '../core/decision-request.js';
import { DecisionTally } from './decision-tally.js';

/** Where a key's record was found: this process, Redis, or the database (or nowhere). */
export type KeyLookupTier = 'local' | 'shared' | 'database';

const LATENCY_METRIC = 'portcullis_decision_duration_seconds';
const LATENCY_HELP =
  'Time to decide, from the request to the decision (not the network), by interface';

/**
 * Prometheus metrics, served at /metrics. One registry per service instance (tests run several in
 * one process). What every decision counts is kept as plain numbers and read when scraped (see
 * DecisionTally); the rest goes through prom-client as it happens.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly tally = new DecisionTally();
  private readonly lookups: Record<KeyLookupTier, { hit: number; miss: number }> = {
    local: { hit: 0, miss: 0 },
    shared: { hit: 0, miss: 0 },
    database: { hit: 0, miss: 0 },
  };
  private readonly providerCalls = new Counter({
    name: 'portcullis_provider_requests_total',
    help: 'Calls to identity providers on the decision path, by provider id and outcome',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly providerSeconds = new Histogram({
    name: 'portcullis_provider_request_duration_seconds',
    help: 'Duration of calls to identity providers on the decision path, by provider id',
    labelNames: ['provider'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly invalidationLag = new Histogram({
    name: 'portcullis_invalidation_lag_seconds',
    help: 'From a change being announced (on any instance) to this instance hearing of it',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'portcullis_' });
    const tally = this.tally;
    this.registry.registerMetric(
      new Counter({
        name: 'portcullis_decisions_total',
        help: 'Decisions, by interface, outcome (allow or deny) and reason',
        labelNames: ['interface', 'outcome', 'reason'] as const,
        registers: [],
        collect() {
          tally.countInto(this);
        },
      }),
    );
    const lookups = this.lookups;
    this.registry.registerMetric(
      new Counter({
        name: 'portcullis_key_lookups_total',
        help: 'API key lookups by the tier that answered (local, shared, database) and result',
        labelNames: ['tier', 'result'] as const,
        registers: [],
        collect() {
          this.reset();
          for (const [tier, counts] of Object.entries(lookups)) {
            if (counts.hit > 0) this.labels(tier, 'hit').inc(counts.hit);
            if (counts.miss > 0) this.labels(tier, 'miss').inc(counts.miss);
          }
        },
      }),
    );
  }

  decided(via: DecisionInterface, decision: Decision, latencyMs: number): void {
    this.tally.record(via, decision, latencyMs);
  }

  keyLookup(tier: KeyLookupTier, result: 'hit' | 'miss'): void {
    this.lookups[tier][result]++;
  }

  providerCall(providerId: string, outcome: 'answered' | 'failed', seconds: number): void {
    this.providerCalls.labels(providerId, outcome).inc();
    this.providerSeconds.labels(providerId).observe(seconds);
  }

  changeHeard(lagMs: number): void {
    this.invalidationLag.observe(Math.max(0, lagMs) / 1000);
  }

  /** The text exposition format, for GET /metrics. */
  async text(): Promise<string> {
    // A blank line between metrics, as prom-client writes them.
    const latency = this.tally.latencyText(LATENCY_METRIC, LATENCY_HELP);
    return `${await this.registry.metrics()}\n${latency}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

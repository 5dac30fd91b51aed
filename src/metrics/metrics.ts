import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Decision } from '../decision/decision.js';
import type { DecisionInterface } from '../decision/decision-request.js';

/** Where a key's record was found: this process, Redis, or the database (or nowhere). */
export type KeyLookupTier = 'local' | 'shared' | 'database';

type CounterChild = ReturnType<Counter['labels']>;
type HistogramChild = ReturnType<Histogram['labels']>;

/**
 * Prometheus metrics, served at /metrics. One registry per service instance (tests run several in
 * one process). The decision path uses label children bound once and kept, so a decision costs a
 * map lookup and two increments, not a label hash each time.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly decisions = new Counter({
    name: 'portcullis_decisions_total',
    help: 'Decisions, by interface, outcome (allow or deny) and reason',
    labelNames: ['interface', 'outcome', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly decisionSeconds = new Histogram({
    name: 'portcullis_decision_duration_seconds',
    help: 'Time to decide, from the request to the decision (not the network), by interface',
    labelNames: ['interface'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5],
    registers: [this.registry],
  });
  private readonly keyLookups = new Counter({
    name: 'portcullis_key_lookups_total',
    help: 'API key lookups by the tier that answered (local, shared, database) and result',
    labelNames: ['tier', 'result'] as const,
    registers: [this.registry],
  });
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
  private readonly decisionChildren = new Map<string, CounterChild>();
  private readonly latencyChildren = new Map<string, HistogramChild>();
  private readonly lookupChildren = new Map<string, CounterChild>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'portcullis_' });
  }

  decided(via: DecisionInterface, decision: Decision, latencyMs: number): void {
    const outcome = decision.allowed ? 'allow' : 'deny';
    const key = `${via} ${outcome} ${decision.reason}`;
    let counter = this.decisionChildren.get(key);
    if (counter === undefined) {
      counter = this.decisions.labels(via, outcome, decision.reason);
      this.decisionChildren.set(key, counter);
    }
    counter.inc();
    let histogram = this.latencyChildren.get(via);
    if (histogram === undefined) {
      histogram = this.decisionSeconds.labels(via);
      this.latencyChildren.set(via, histogram);
    }
    histogram.observe(latencyMs / 1000);
  }

  keyLookup(tier: KeyLookupTier, result: 'hit' | 'miss'): void {
    const key = `${tier} ${result}`;
    let counter = this.lookupChildren.get(key);
    if (counter === undefined) {
      counter = this.keyLookups.labels(tier, result);
      this.lookupChildren.set(key, counter);
    }
    counter.inc();
  }

  providerCall(providerId: string, outcome: 'answered' | 'failed', seconds: number): void {
    this.providerCalls.labels(providerId, outcome).inc();
    this.providerSeconds.labels(providerId).observe(seconds);
  }

  changeHeard(lagMs: number): void {
    this.invalidationLag.observe(Math.max(0, lagMs) / 1000);
  }

  /** The text exposition format, for GET /metrics. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

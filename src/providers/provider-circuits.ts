import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { OutboundHttp, type OutboundResponse } from './outbound-http.js';

/** The calls the decision path makes to a provider. */
export type ProviderCalls = Pick<OutboundHttp, 'get' | 'postForm'>;

/**
 * One circuit breaker per provider, around the calls that decisions make to it (JWKS, userinfo,
 * introspection). A timeout, a connection error or a 5xx answer is a failure; any other answer,
 * a 401 for a bad token included, shows the provider is alive. Per instance, in memory.
 */
@Injectable()
export class ProviderCircuits {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    private readonly config: AppConfig,
    private readonly outbound: OutboundHttp,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** The outbound calls for this provider, through its breaker. */
  for(providerId: string): ProviderCalls {
    const breaker = this.breaker(providerId);
    const failed = (response: OutboundResponse) => response.status >= 500;
    const measured = async (call: () => Promise<OutboundResponse>) => {
      const started = performance.now();
      try {
        const response = await breaker.run(call, failed);
        this.record(providerId, failed(response) ? 'failed' : 'answered', started);
        return response;
      } catch (error) {
        this.record(providerId, 'failed', started);
        throw error;
      }
    };
    return {
      get: (url, headers) => measured(() => this.outbound.get(url, headers)),
      postForm: (url, form, headers) => measured(() => this.outbound.postForm(url, form, headers)),
    };
  }

  private record(providerId: string, outcome: 'answered' | 'failed', started: number): void {
    this.metrics.providerCall(providerId, outcome, (performance.now() - started) / 1000);
  }

  private breaker(providerId: string): CircuitBreaker {
    let breaker = this.breakers.get(providerId);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.config.providerBreaker, Date.now, (state) => {
        if (state === 'open') {
          this.logger.warn(
            { providerId, cooldownMs: this.config.providerBreaker.cooldownMs },
            'Identity provider failing: not asked again until the cooldown has passed',
          );
        } else if (state === 'closed') {
          this.logger.info({ providerId }, 'Identity provider answers again');
        }
      });
      this.breakers.set(providerId, breaker);
    }
    return breaker;
  }
}

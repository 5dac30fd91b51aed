import { OutboundError } from './outbound-http.js';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit; 0 never opens it. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before it lets one probe through. */
  cooldownMs: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

/** Thrown instead of calling a provider whose circuit is open. */
export class CircuitOpenError extends OutboundError {
  override name = 'CircuitOpenError';
}

/**
 * A circuit breaker for calls to one provider. Closed, calls go through; after
 * `failureThreshold` consecutive failures it opens and refuses every call at once for
 * `cooldownMs`; then it lets a single call through (half-open): its success closes the circuit,
 * its failure opens it for another cooldown. A dead or drowning provider is thus asked once per
 * cooldown instead of once per request, and requests are answered at once instead of waiting for
 * a timeout.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private probing = false;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly now: () => number = Date.now,
    private readonly onChange: (state: CircuitState) => void = () => undefined,
  ) {}

  get state(): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return this.probing || this.now() - this.openedAt >= this.options.cooldownMs
      ? 'half-open'
      : 'open';
  }

  /**
   * Runs the call unless the circuit is open. A rejection, or a result `failed` says is one,
   * counts as a failure; the result or rejection is passed on either way.
   */
  async run<T>(call: () => Promise<T>, failed: (result: T) => boolean = () => false): Promise<T> {
    if (this.options.failureThreshold <= 0) return call();
    const probe = this.admit();
    let result: T;
    try {
      result = await call();
    } catch (error) {
      this.record(false, probe);
      throw error;
    }
    this.record(!failed(result), probe);
    return result;
  }

  /** Throws when the call may not go through; says whether it is the half-open probe. */
  private admit(): boolean {
    if (this.openedAt === undefined) return false;
    if (this.probing || this.now() - this.openedAt < this.options.cooldownMs) {
      throw new CircuitOpenError('the provider failed repeatedly: not asked until it recovers');
    }
    this.probing = true;
    this.onChange('half-open');
    return true;
  }

  private record(succeeded: boolean, probe: boolean): void {
    if (probe) this.probing = false;
    if (succeeded) {
      const wasOpen = this.openedAt !== undefined;
      this.failures = 0;
      this.openedAt = undefined;
      if (wasOpen) this.onChange('closed');
      return;
    }
    this.failures++;
    // A failed probe opens the circuit again; so does the threshold while closed. Calls that
    // were already on their way when it opened do not restart the cooldown.
    if (probe || (this.openedAt === undefined && this.failures >= this.options.failureThreshold)) {
      this.openedAt = this.now();
      this.onChange('open');
    }
  }
}

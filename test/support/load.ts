import * as grpc from '@grpc/grpc-js';
import type { CheckRequest, CheckResponse } from '../../src/adapters/envoy-grpc/envoy-proto.js';
import type { CheckClient } from './grpc.js';
import { rememberErrorBody, rememberSecret } from './secret-ledger.js';

/**
 * What one decision request came back as: allowed, refused (a decision: 401/403 with a reason),
 * unavailable (could not decide, in the interface's documented form: JSON 503, gRPC
 * UNAVAILABLE, nginx 403 `unavailable`), or errored (anything else: a 500, a dropped
 * connection, no answer within the request timeout).
 */
export type Outcome = 'allowed' | 'denied' | 'unavailable' | 'errored';

export interface Answer {
  outcome: Outcome;
  /** Status and reason, for the report: `401 revoked_key`, `503 unavailable`, `timeout`. */
  detail: string;
}

export interface Scenario {
  name: string;
  send(signal: AbortSignal): Promise<Answer>;
  /** Whether an allow would be wrong for a request starting now (revoked, disabled, unknown...). */
  mustDeny(): boolean;
  /** Phases in which it runs (default: all). */
  phases?: readonly string[];
}

export type Tally = Record<string, Record<string, Record<Outcome, number>>>;

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Sends decision requests from `concurrency` workers, round-robin over the scenarios, until
 * stopped; counts outcomes per phase (the phase when the request started) and scenario, and keeps
 * every allow that was wrong when its request started.
 */
export class LoadRun {
  phase = 'before';
  readonly tally: Tally = {};
  readonly details: Record<string, Record<string, Record<string, number>>> = {};
  readonly wrongAllows: string[] = [];
  private running = true;
  private readonly inFlight = new Map<string, number>();
  private readonly workers: Promise<void>[] = [];
  private next = 0;

  constructor(
    private readonly scenarios: Scenario[],
    concurrency: number,
  ) {
    for (let i = 0; i < concurrency; i++) this.workers.push(this.work());
  }

  /**
   * Starts a new phase once every request started in an earlier one has come back, so that no
   * request straddles what the test does between phases.
   */
  async enter(phase: string): Promise<void> {
    const earlier = this.phase;
    this.phase = phase;
    while ((this.inFlight.get(earlier) ?? 0) > 0) await new Promise((r) => setTimeout(r, 5));
  }

  /** Requests counted in this phase so far. */
  count(phase: string): number {
    return Object.values(this.tally[phase] ?? {}).reduce(
      (sum, outcomes) => sum + Object.values(outcomes).reduce((a, b) => a + b, 0),
      0,
    );
  }

  /** Lets the load run until at least `requests` have been counted in the current phase. */
  async runFor(requests: number): Promise<void> {
    const phase = this.phase;
    while (this.count(phase) < requests) await new Promise((r) => setTimeout(r, 20));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  /** Outcome counts of one phase, summed over scenarios, or of one scenario. */
  outcomes(phase: string, scenario?: string): Record<Outcome, number> {
    const sum: Record<Outcome, number> = { allowed: 0, denied: 0, unavailable: 0, errored: 0 };
    for (const [name, counts] of Object.entries(this.tally[phase] ?? {})) {
      if (scenario !== undefined && name !== scenario) continue;
      for (const outcome of Object.keys(sum) as Outcome[]) sum[outcome] += counts[outcome];
    }
    return sum;
  }

  /** A table of the run, for the test's output and the reliability notes. */
  report(): string {
    const lines: string[] = [];
    for (const [phase, scenarios] of Object.entries(this.tally)) {
      const total = this.outcomes(phase);
      lines.push(
        `${phase}: ${Object.entries(total)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      for (const name of Object.keys(scenarios)) {
        const details = Object.entries(this.details[phase]![name]!)
          .map(([detail, n]) => `${detail} x${n}`)
          .join(', ');
        lines.push(`  ${name}: ${details}`);
      }
    }
    return lines.join('\n');
  }

  private async work(): Promise<void> {
    while (this.running) {
      const phase = this.phase;
      const eligible = this.scenarios.filter((s) => !s.phases || s.phases.includes(phase));
      if (eligible.length === 0) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const scenario = eligible[this.next++ % eligible.length]!;
      const mustDeny = scenario.mustDeny();
      this.inFlight.set(phase, (this.inFlight.get(phase) ?? 0) + 1);
      const answer = await this.send(scenario);
      this.inFlight.set(phase, this.inFlight.get(phase)! - 1);
      const counts = ((this.tally[phase] ??= {})[scenario.name] ??= {
        allowed: 0,
        denied: 0,
        unavailable: 0,
        errored: 0,
      });
      counts[answer.outcome]++;
      const details = ((this.details[phase] ??= {})[scenario.name] ??= {});
      details[answer.detail] = (details[answer.detail] ?? 0) + 1;
      if (mustDeny && answer.outcome === 'allowed') {
        this.wrongAllows.push(`${phase} ${scenario.name}: ${answer.detail}`);
      }
    }
  }

  private async send(scenario: Scenario): Promise<Answer> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
    try {
      return await scenario.send(abort.signal);
    } catch (error) {
      return {
        outcome: 'errored',
        detail: abort.signal.aborted ? 'timeout' : `error ${(error as Error).message}`,
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** nginx auth_request for a bearer credential. */
export async function viaNginx(
  baseUrl: string,
  credential: string,
  signal: AbortSignal,
): Promise<Answer> {
  rememberSecret(credential);
  const response = await fetch(`${baseUrl}/v1/authz/nginx`, {
    headers: {
      authorization: `Bearer ${credential}`,
      'x-original-uri': '/orders/1',
      'x-original-method': 'GET',
    },
    signal,
  });
  const text = await response.text();
  if (response.status >= 400) rememberErrorBody('GET', '/v1/authz/nginx', response.status, text);
  const reason = response.headers.get('x-auth-reason') ?? '';
  const detail = `${response.status} ${reason}`.trim();
  if (response.status === 200) return { outcome: 'allowed', detail };
  if (response.status === 403 && reason === 'unavailable')
    return { outcome: 'unavailable', detail };
  if ((response.status === 401 || response.status === 403) && reason !== '') {
    return { outcome: 'denied', detail };
  }
  return { outcome: 'errored', detail };
}

/** POST /v1/decisions for a bearer credential, as a decision client with its own key. */
export async function viaJson(
  baseUrl: string,
  clientKey: string,
  credential: string,
  signal: AbortSignal,
): Promise<Answer> {
  rememberSecret(clientKey);
  rememberSecret(credential);
  const response = await fetch(`${baseUrl}/v1/decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${clientKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ credential, path: '/orders/1', method: 'GET' }),
    signal,
  });
  const text = await response.text();
  if (response.status >= 400) rememberErrorBody('POST', '/v1/decisions', response.status, text);
  const body = (text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, unknown>;
  const detail = `${response.status} ${String(body.reason ?? body.title ?? '')}`.trim();
  if (response.status === 503 && body.allowed === false) return { outcome: 'unavailable', detail };
  if (response.status !== 200) return { outcome: 'errored', detail };
  return { outcome: body.allowed === true ? 'allowed' : 'denied', detail };
}

/** Envoy ext_authz Check over gRPC for a bearer credential. */
export function viaGrpc(
  authz: CheckClient,
  credential: string,
  signal: AbortSignal,
): Promise<Answer> {
  rememberSecret(credential);
  const request: CheckRequest = {
    attributes: {
      source: { address: { socket_address: { address: '127.0.0.1' } } },
      request: {
        http: {
          method: 'GET',
          path: '/orders/1',
          host: 'api.example.com',
          headers: { authorization: `Bearer ${credential}` },
        },
      },
    },
  };
  return new Promise((resolve, reject) => {
    const call = authz.Check(
      request,
      (error: grpc.ServiceError | null, response: CheckResponse) => {
        if (error) return reject(new Error(`gRPC ${error.code}`));
        const code = response.status.code;
        const detail = `${code} ${response.status.message ?? ''}`.trim();
        if (code === grpc.status.OK) resolve({ outcome: 'allowed', detail });
        else if (code === grpc.status.UNAVAILABLE) resolve({ outcome: 'unavailable', detail });
        else resolve({ outcome: 'denied', detail });
      },
    ) as unknown as grpc.ClientUnaryCall | undefined;
    signal.addEventListener('abort', () => call?.cancel());
  });
}

import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { pino } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { LOGGER, onLoggerFlush, type Logger } from '../logging/logger.js';
import type { DecisionRequest } from '../core/decision-request.js';
import type { Decision } from '../core/decision.js';
import type { Identity } from '../core/identity.js';

const MAX_LOGGED_PATH = 256;
/**
 * Lines are handed to the log destination in batches: one hand-over (a write queued to the file
 * or pipe) costs more than a line. 64 KB is about 180 lines; measured, the hand-over cost per line
 * halved from 16 KB batches to 64 KB ones. BATCH_MS bounds how long a line waits.
 */
const BATCH_CHARS = 65_536;
const BATCH_MS = 200;

/**
 * One structured line per decision (DECISION_LOG: all, denials or none), in the logger's JSON
 * format and to its destination, but built and batched here: this runs on every request, and
 * pino's generic path (serialising, then one write per line) cost 5 µs, as much as the decision.
 * Only these fields are written: never a credential. `rule` is the name of the rule that decided,
 * when one did, and `ruleSet` the named rule set the proxy chose; a bypassed request is logged
 * with reason `bypass`.
 */
@Injectable()
export class DecisionLog implements OnApplicationShutdown {
  private readonly logAllows: boolean;
  private readonly logDenials: boolean;
  private readonly stream: { write(text: string): unknown };
  private pending = '';
  private readonly method = new LastJson();
  private readonly host = new LastJson();
  private readonly identityText = new WeakMap<Identity, string>();
  private lastTime = 0;
  private lastTimeText = '0';
  private readonly timer: NodeJS.Timeout;

  constructor(config: AppConfig, @Inject(LOGGER) logger: Logger) {
    const enabled = logger.isLevelEnabled('info');
    this.logAllows = enabled && config.decisionLog === 'all';
    this.logDenials = enabled && config.decisionLog !== 'none';
    this.stream = (logger as unknown as Record<symbol, { write(text: string): unknown }>)[
      pino.symbols.streamSym
    ]!;
    this.timer = setInterval(() => this.flush(), BATCH_MS);
    this.timer.unref();
    onLoggerFlush(logger, () => this.flush());
  }

  record(request: DecisionRequest, decision: Decision, latencyMs: number): void {
    if (decision.allowed ? !this.logAllows : !this.logDenials) return;
    const path =
      request.rawPath.length > MAX_LOGGED_PATH
        ? request.rawPath.slice(0, MAX_LOGGED_PATH)
        : request.rawPath;
    const identity = decision.identity;
    // Fixed fields are code constants; everything a client could have chosen goes through
    // JSON.stringify (or was, the last time it came).
    this.pending +=
      `{"level":"info","time":${this.time()},"service":"portcullis","msg":"decision"` +
      `,"granted":${decision.allowed},"status":${decision.status},"reason":"${decision.reason}"` +
      `,"verifier":${decision.verifier === null ? 'null' : `"${decision.verifier}"`}` +
      (decision.rule === null ? '' : `,"rule":"${decision.rule}"`) +
      (request.ruleSet === null ? '' : `,"ruleSet":${JSON.stringify(request.ruleSet)}`) +
      `,"interface":"${request.interface}","method":${this.method.of(request.method)}` +
      `,"path":${JSON.stringify(path)},"host":${this.host.of(request.host)}` +
      `,"clientIp":${JSON.stringify(request.clientIp)}` +
      // A request id holds only characters JSON leaves as they are (see proxyRequestId).
      (request.requestId === null ? '' : `,"requestId":"${request.requestId}"`) +
      (request.refusal === null ? '' : `,"detail":${JSON.stringify(request.refusal.detail)}`) +
      (identity === null ? '' : this.identityFields(identity)) +
      `,"latencyMs":${latencyText(latencyMs)}}\n`;
    if (this.pending.length >= BATCH_CHARS) this.flush();
  }

  /** The identity's part of the line, made once per identity (a cached key's is reused). */
  private identityFields(identity: Identity): string {
    let text = this.identityText.get(identity);
    if (text === undefined) {
      text = `,"user":${JSON.stringify(identity.username)},"credentialId":"${identity.credential.keyId}"`;
      this.identityText.set(identity, text);
    }
    return text;
  }

  /** Date.now() as text; many lines share a millisecond. */
  private time(): string {
    const now = Date.now();
    if (now !== this.lastTime) {
      this.lastTime = now;
      this.lastTimeText = `${now}`;
    }
    return this.lastTimeText;
  }

  flush(): void {
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.stream.write(text);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

/** The JSON text of a string that tends to repeat (one method, one host), redone when it changes. */
class LastJson {
  private last: string | undefined;
  private text = '';

  of(value: string): string {
    if (value !== this.last) {
      this.last = value;
      this.text = JSON.stringify(value);
    }
    return this.text;
  }
}

/**
 * `${Math.round(ms * 1000) / 1000}`, the same text, from integers: printing a fraction cost more
 * than the rest of the line. (A number with at most three decimals prints as those decimals,
 * trailing zeros dropped.)
 */
export function latencyText(ms: number): string {
  const micros = Math.round(ms * 1000);
  if (!(micros >= 0 && micros <= Number.MAX_SAFE_INTEGER)) return `${micros / 1000}`;
  const whole = Math.floor(micros / 1000);
  const fraction = micros - whole * 1000;
  if (fraction === 0) return `${whole}`;
  if (fraction % 100 === 0) return `${whole}.${fraction / 100}`;
  if (fraction % 10 === 0) return `${whole}.${fraction < 100 ? '0' : ''}${fraction / 10}`;
  return `${whole}.${fraction < 10 ? '00' : fraction < 100 ? '0' : ''}${fraction}`;
}

import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { pino } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { LOGGER, onLoggerFlush, type Logger } from '../logging/logger.js';
import type { DecisionRequest } from './decision-request.js';
import type { Decision } from './decision.js';

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
 * Only these fields are written: never a credential. `rule` is the id (a UUID) of the path or
 * access rule that decided, when one did; a bypassed request is logged with reason `bypass`.
 */
@Injectable()
export class DecisionLog implements OnApplicationShutdown {
  private readonly logAllows: boolean;
  private readonly logDenials: boolean;
  private readonly stream: { write(text: string): unknown };
  private pending = '';
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
    // JSON.stringify.
    this.pending +=
      `{"level":"info","time":${Date.now()},"service":"portcullis","msg":"decision"` +
      `,"granted":${decision.allowed},"status":${decision.status},"reason":"${decision.reason}"` +
      `,"verifier":${decision.verifier === null ? 'null' : `"${decision.verifier}"`}` +
      (decision.rule === null ? '' : `,"rule":"${decision.rule}"`) +
      `,"interface":"${request.interface}","method":${JSON.stringify(request.method)}` +
      `,"path":${JSON.stringify(path)},"host":${JSON.stringify(request.host)}` +
      `,"clientIp":${JSON.stringify(request.clientIp)}` +
      (identity === null
        ? ''
        : `,"user":${JSON.stringify(identity.username)},"credentialId":"${identity.credential.keyId}"`) +
      `,"latencyMs":${Math.round(latencyMs * 1000) / 1000}}\n`;
    if (this.pending.length >= BATCH_CHARS) this.flush();
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

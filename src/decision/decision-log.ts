import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import type { DecisionRequest } from './decision-request.js';
import type { Decision } from './decision.js';

const MAX_LOGGED_PATH = 256;

/** One structured line per decision (DECISION_LOG: all, denials or none). Never a credential. */
@Injectable()
export class DecisionLog {
  private readonly logAllows: boolean;
  private readonly logDenials: boolean;

  constructor(
    config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.logAllows = config.decisionLog === 'all';
    this.logDenials = config.decisionLog !== 'none';
  }

  record(request: DecisionRequest, decision: Decision, latencyMs: number): void {
    if (decision.allowed ? !this.logAllows : !this.logDenials) return;
    this.logger.info({
      msg: 'decision',
      granted: decision.allowed,
      status: decision.status,
      reason: decision.reason,
      verifier: decision.verifier,
      interface: request.interface,
      method: request.method,
      path:
        request.rawPath.length > MAX_LOGGED_PATH
          ? request.rawPath.slice(0, MAX_LOGGED_PATH)
          : request.rawPath,
      host: request.host,
      clientIp: request.clientIp,
      user: decision.identity?.username,
      credentialId: decision.identity?.credential.keyId,
      latencyMs: Math.round(latencyMs * 1000) / 1000,
    });
  }
}

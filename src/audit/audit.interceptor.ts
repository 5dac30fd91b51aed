import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import { resolveClientIp } from '../decision/client-ip.js';
import type { Identity } from '../decision/identity.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import { SettingsService } from '../settings/settings.service.js';
import { AUDITED_ACTION } from './audited.decorator.js';
import { AuditService } from './audit.service.js';

/** Field names that would hold a secret; no request body has one, and none is ever recorded. */
const SECRET_FIELDS = /key|secret|password|token/i;

/**
 * Records each successful call of an `@Audited` handler: the caller, the action, the record it
 * changed (the response's id, or the route's), the client address (trusted-proxy aware) and the
 * request's fields. The record is written before the response leaves.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
    private readonly settings: SettingsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = this.reflector.get<string | undefined>(AUDITED_ACTION, context.getHandler());
    if (action === undefined) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Identity }>();
    return next
      .handle()
      .pipe(
        mergeMap((result: unknown) =>
          from(this.record(action, request, result).then(() => result)),
        ),
      );
  }

  private async record(
    action: string,
    request: FastifyRequest & { user?: Identity },
    result: unknown,
  ): Promise<void> {
    const params = (request.params ?? {}) as Record<string, string>;
    const resultId = (result as { id?: unknown } | undefined)?.id;
    try {
      await this.audit.record({
        actorUserId: request.user?.userId ?? null,
        actorUsername: request.user?.username ?? null,
        actorKeyId: request.user?.credential.keyId ?? null,
        action,
        targetId: typeof resultId === 'string' ? resultId : (params.id ?? null),
        ip: resolveClientIp(
          request.raw.socket.remoteAddress ?? '',
          request.headers['x-forwarded-for'],
          this.settings.trustedProxies(),
        ),
        details: withoutSecrets({ ...params, ...((request.body as object | undefined) ?? {}) }),
      });
    } catch (error) {
      this.logger.error(
        { action, err: (error as Error).message },
        'Could not record an audit event',
      );
    }
  }
}

function withoutSecrets(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !SECRET_FIELDS.test(name)));
}

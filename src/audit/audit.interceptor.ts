import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import { redactCredentials } from '../common/redact-credentials.js';
import { resolveClientIp } from '../core/client-ip.js';
import type { Identity } from '../core/identity.js';
import { LOGGER, type Logger } from '../logging/logger.js';
import { SettingsService } from '../settings/settings.service.js';
import { AUDITED_ACTION, type AuditedAction } from './audited.decorator.js';
import { AuditService } from './audit.service.js';

type AuditedRequest = FastifyRequest & { user?: Identity };

/** A controller whose records can be read back by id (the settings controller: without one). */
interface Readable {
  get(id?: string): Promise<unknown>;
}

/**
 * Records each successful call of an `@Audited` handler: the caller, the action, the record it
 * changed (the response's id, or the route's), the client address (trusted-proxy aware), the
 * request's fields, and for a change to an existing record its state `before` and `after`. Secrets
 * are the fields the handler declares, never guessed from names (a name pattern once dropped
 * maxKeyLifetime and allowSelfServiceKeys); anything shaped like a key or token is masked as well.
 * The record is written before the response leaves.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    private readonly audit: AuditService,
    private readonly settings: SettingsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const audited = this.reflector.get<AuditedAction | undefined>(
      AUDITED_ACTION,
      context.getHandler(),
    );
    if (audited === undefined) return next.handle();
    const request = context.switchToHttp().getRequest<AuditedRequest>();
    return from(this.before(audited, context, request)).pipe(
      mergeMap((before) =>
        next
          .handle()
          .pipe(
            mergeMap((result: unknown) =>
              from(this.record(audited, request, before, result).then(() => result)),
            ),
          ),
      ),
    );
  }

  /** The record as it is before a change (not for creations and sign-ins: there is none). */
  private async before(
    audited: AuditedAction,
    context: ExecutionContext,
    request: AuditedRequest,
  ): Promise<unknown> {
    if (audited.action.endsWith('.create') || audited.action.endsWith('.sign-in')) return undefined;
    const controller = this.moduleRef.get<unknown>(context.getClass(), { strict: false });
    if (typeof (controller as Partial<Readable>).get !== 'function') return undefined;
    const params = request.params as Record<string, string> | undefined;
    const id = params?.id ?? params?.name;
    // Not found, or not readable by this caller: the handler answers that itself.
    return (controller as Readable).get(id).catch(() => undefined);
  }

  private async record(
    audited: AuditedAction,
    request: AuditedRequest,
    before: unknown,
    result: unknown,
  ): Promise<void> {
    const params = (request.params ?? {}) as Record<string, string>;
    const resultId = (result as { id?: unknown } | undefined)?.id;
    const secrets = new Set(audited.secrets);
    const fields = { ...params, ...((request.body as object | undefined) ?? {}) };
    const changed = before !== undefined;
    try {
      await this.audit.record({
        actorUserId: request.user?.userId ?? null,
        actorUsername: request.user?.username ?? null,
        actorKeyId: request.user?.credential.keyId ?? null,
        action: audited.action,
        targetId: typeof resultId === 'string' ? resultId : targetOf(params, before),
        ip: resolveClientIp(
          request.raw.socket.remoteAddress ?? '',
          request.headers['x-forwarded-for'],
          this.settings.trustedProxies(),
        ),
        details: {
          ...withoutSecrets(fields, secrets),
          ...(changed && { before: withoutSecrets(before, secrets) }),
          ...(changed && isObject(result) && { after: withoutSecrets(result, secrets) }),
        },
      });
    } catch (error) {
      this.logger.error(
        { action: audited.action, err: (error as Error).message },
        'Could not record an audit event',
      );
    }
  }
}

/** A copy with declared secrets marked, and key- or token-shaped text masked at any depth. */
function withoutSecrets(value: unknown, secrets: ReadonlySet<string>): Record<string, unknown> {
  if (!isObject(value)) return {};
  return Object.fromEntries(
    Object.entries(value).map(([name, field]) => [
      name,
      secrets.has(name)
        ? field === null || field === undefined
          ? null
          : '[secret]'
        : masked(field),
    ]),
  );
}

function masked(value: unknown): unknown {
  if (typeof value === 'string') return redactCredentials(value);
  if (Array.isArray(value)) return value.map(masked);
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([name, field]) => [name, masked(field)]));
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The target of a change without a result (a deletion): the record's own id as it was before,
 * since `:id` may name it otherwise (a key by its public key id); else the path's id or name.
 */
function targetOf(params: Record<string, string>, before: unknown): string | null {
  const beforeId = (before as { id?: unknown } | undefined)?.id;
  if (params.id !== undefined && typeof beforeId === 'string') return beforeId;
  return params.id ?? params.name ?? null;
}

import {
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { TooManyAttemptsException } from '../common/problem.js';
import { AppConfig } from '../config/app-config.js';
import type { Principal } from '../keys/api-key-authenticator.js';
import { CallerAttempts } from '../limits/caller-attempts.js';

/**
 * Any valid Portcullis key (bearer or basic), or a web console session opened with one. Failed
 * attempts count towards the failed-attempt limits; over them, 429 with Retry-After.
 */
@Injectable()
export class KeyAuthGuard extends AuthGuard([
  'portcullis-bearer',
  'portcullis-basic',
  'portcullis-session',
]) {
  constructor(private readonly attempts: CallerAttempts) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const attempt = this.attempts.of(context.switchToHttp().getRequest<FastifyRequest>());
    const limited = this.attempts.screen(attempt);
    if (limited !== undefined) throw new TooManyAttemptsException(limited.retryAfterSeconds);
    try {
      return (await super.canActivate(context)) as boolean;
    } catch (error) {
      if (error instanceof UnauthorizedException) {
        const over = await this.attempts.failed(attempt);
        if (over !== undefined) throw new TooManyAttemptsException(over.retryAfterSeconds);
      }
      throw error;
    }
  }

  override handleRequest<T = Principal>(error: unknown, user: T | false): T {
    if (error) throw error;
    if (!user)
      throw new UnauthorizedException('A Portcullis key is required (Authorization: Bearer <key>)');
    return user;
  }
}

/** A valid key whose owner belongs to one of some groups (named in the refusal). */
abstract class GroupMemberGuard extends KeyAuthGuard {
  protected abstract groups(): string[];
  protected abstract purpose: string;

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const principal = context.switchToHttp().getRequest<{ user: Principal }>().user;
    if ((principal.credential.routes?.length ?? 0) > 0) {
      throw new ForbiddenException(
        `This key is limited to some routes of the API behind the proxy: it may not ${this.purpose}`,
      );
    }
    const allowed = new Set(this.groups().map((g) => g.toLowerCase()));
    if (!principal.groups.some((g) => allowed.has(g.toLowerCase()))) {
      const names = this.groups()
        .map((g) => `"${g}"`)
        .join(' or ');
      throw new ForbiddenException(`Only members of ${names} may ${this.purpose}`);
    }
    return true;
  }
}

/** Members of the admins group (ADMIN_GROUP). */
@Injectable()
export class AdminGuard extends GroupMemberGuard {
  protected purpose = 'use the admin API';
  constructor(
    private readonly config: AppConfig,
    attempts: CallerAttempts,
  ) {
    super(attempts);
  }
  protected groups(): string[] {
    return [this.config.adminGroup];
  }
}

/** Members of the decision clients group (DECISION_CLIENTS_GROUP), and admins. */
@Injectable()
export class DecisionClientGuard extends GroupMemberGuard {
  protected purpose = 'ask for decisions';
  constructor(
    private readonly config: AppConfig,
    attempts: CallerAttempts,
  ) {
    super(attempts);
  }
  protected groups(): string[] {
    return [this.config.decisionClientsGroup, this.config.adminGroup];
  }
}

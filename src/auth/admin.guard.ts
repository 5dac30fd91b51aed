import {
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AppConfig } from '../config/app-config.js';
import type { Principal } from '../keys/api-key-authenticator.js';

/** Any valid Portcullis key (bearer or basic). */
@Injectable()
export class KeyAuthGuard extends AuthGuard(['portcullis-bearer', 'portcullis-basic']) {
  override handleRequest<T = Principal>(error: unknown, user: T | false): T {
    if (error) throw error;
    if (!user)
      throw new UnauthorizedException('A Portcullis key is required (Authorization: Bearer <key>)');
    return user;
  }
}

/** A valid key whose owner belongs to the admins group (ADMIN_GROUP). */
@Injectable()
export class AdminGuard extends KeyAuthGuard {
  constructor(private readonly config: AppConfig) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const principal = context.switchToHttp().getRequest<{ user: Principal }>().user;
    const adminGroup = this.config.adminGroup.toLowerCase();
    if (!principal.groups.some((g) => g.toLowerCase() === adminGroup)) {
      throw new ForbiddenException(
        `Only members of the "${this.config.adminGroup}" group may use the admin API`,
      );
    }
    return true;
  }
}

import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '../keys/api-key-authenticator.js';

/** The authenticated caller, as set by the admin guard. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<{ user: Principal }>().user,
);

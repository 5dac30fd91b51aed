import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { AdminGuard } from './admin.guard.js';

/** An admin API controller: admin-only, documented with its tag and its security schemes. */
export function AdminEndpoint(tag: string) {
  return applyDecorators(
    ApiTags(tag),
    ApiBearerAuth('key'),
    ApiBasicAuth('basicKey'),
    ApiProblems(401, 403),
    UseGuards(AdminGuard),
  );
}

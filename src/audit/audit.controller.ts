import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminEndpoint } from '../auth/admin-endpoint.decorator.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { AuditPageDto, ListAuditQueryDto } from './audit.dto.js';
import { AuditService } from './audit.service.js';

@Controller('v1/admin/audit')
@AdminEndpoint('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'List changes, newest first, by actor, action, record and time' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiProblems(400)
  list(@Query() query: ListAuditQueryDto): Promise<AuditPageDto> {
    return this.audit.list(query);
  }
}

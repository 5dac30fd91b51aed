import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { Audited } from '../audit/audited.decorator.js';
import { AdminEndpoint } from '../auth/admin-endpoint.decorator.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { PageQueryDto } from '../common/pagination.js';
import {
  CreateAccessRuleDto,
  AccessRuleDto,
  AccessRulePageDto,
  UpdateAccessRuleDto,
} from './policies.dto.js';
import { PolicyRulesService } from './policy-rules.service.js';

const DESCRIPTION =
  'Every access rule that applies to a request (unscoped, or scoped to its host) must pass: ' +
  'client IP in allowedIps, caller in one of allowedGroups, and, for a member of a read-only ' +
  'group who is in no full-access group, only GET, HEAD or OPTIONS. Takes effect on every ' +
  'instance within a second.';

@Controller('v1/admin/access-rules')
@AdminEndpoint('policies')
export class AccessRulesController {
  constructor(private readonly rules: PolicyRulesService) {}

  @Audited('access-rule.create')
  @Post()
  @ApiOperation({ summary: 'Create a access rule', description: DESCRIPTION })
  @ApiCreatedResponse({ type: AccessRuleDto })
  @ApiProblems(400)
  create(@Body() body: CreateAccessRuleDto): Promise<AccessRuleDto> {
    return this.rules.createAccessRule(body);
  }

  @Get()
  @ApiOperation({ summary: 'List access rules, oldest first' })
  @ApiOkResponse({ type: AccessRulePageDto })
  @ApiProblems(400)
  list(@Query() query: PageQueryDto): Promise<AccessRulePageDto> {
    return this.rules.listAccessRules(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a access rule' })
  @ApiOkResponse({ type: AccessRuleDto })
  @ApiProblems(400, 404)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<AccessRuleDto> {
    return this.rules.getAccessRule(id);
  }

  @Audited('access-rule.update')
  @Patch(':id')
  @ApiOperation({ summary: 'Change a access rule' })
  @ApiOkResponse({ type: AccessRuleDto })
  @ApiProblems(400, 404)
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateAccessRuleDto,
  ): Promise<AccessRuleDto> {
    return this.rules.updateAccessRule(id, body);
  }

  @Audited('access-rule.delete')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a access rule' })
  @ApiNoContentResponse()
  @ApiProblems(400, 404)
  delete(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.rules.deleteAccessRule(id);
  }
}

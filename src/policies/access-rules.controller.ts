import { Body, Controller, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { Audited } from '../audit/audited.decorator.js';
import {
  CreateRoute,
  DeleteRoute,
  ListRoute,
  ReadRoute,
  UpdateRoute,
} from '../common/crud-routes.decorator.js';
import { AdminEndpoint } from '../auth/admin-endpoint.decorator.js';
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
  @CreateRoute({ summary: 'Create a access rule', description: DESCRIPTION }, AccessRuleDto, 400)
  create(@Body() body: CreateAccessRuleDto): Promise<AccessRuleDto> {
    return this.rules.createAccessRule(body);
  }

  @ListRoute('List access rules, oldest first', AccessRulePageDto)
  list(@Query() query: PageQueryDto): Promise<AccessRulePageDto> {
    return this.rules.listAccessRules(query);
  }

  @ReadRoute('Get a access rule', AccessRuleDto)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<AccessRuleDto> {
    return this.rules.getAccessRule(id);
  }

  @Audited('access-rule.update')
  @UpdateRoute('Change a access rule', AccessRuleDto, 400, 404)
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateAccessRuleDto,
  ): Promise<AccessRuleDto> {
    return this.rules.updateAccessRule(id, body);
  }

  @Audited('access-rule.delete')
  @DeleteRoute('Delete a access rule')
  delete(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.rules.deleteAccessRule(id);
  }
}

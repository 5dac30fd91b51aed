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
  CreatePathRuleDto,
  PathRuleDto,
  PathRulePageDto,
  UpdatePathRuleDto,
} from './policies.dto.js';
import { PolicyRulesService } from './policy-rules.service.js';

const DESCRIPTION =
  'Public paths let anonymous requests through (a credential, when sent, is still checked); ' +
  'restricted paths need a credential even inside a public tree; bypass paths are passed ' +
  'unchecked, for the upstream to authenticate. Takes effect on every instance within a second.';

@Controller('v1/admin/path-rules')
@AdminEndpoint('policies')
export class PathRulesController {
  constructor(private readonly rules: PolicyRulesService) {}

  @Audited('path-rule.create')
  @CreateRoute({ summary: 'Create a path rule', description: DESCRIPTION }, PathRuleDto, 400)
  create(@Body() body: CreatePathRuleDto): Promise<PathRuleDto> {
    return this.rules.createPathRule(body);
  }

  @ListRoute('List path rules, oldest first', PathRulePageDto)
  list(@Query() query: PageQueryDto): Promise<PathRulePageDto> {
    return this.rules.listPathRules(query);
  }

  @ReadRoute('Get a path rule', PathRuleDto)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<PathRuleDto> {
    return this.rules.getPathRule(id);
  }

  @Audited('path-rule.update')
  @UpdateRoute('Change a path rule', PathRuleDto, 400, 404)
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdatePathRuleDto,
  ): Promise<PathRuleDto> {
    return this.rules.updatePathRule(id, body);
  }

  @Audited('path-rule.delete')
  @DeleteRoute('Delete a path rule')
  delete(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.rules.deletePathRule(id);
  }
}

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
  @Post()
  @ApiOperation({ summary: 'Create a path rule', description: DESCRIPTION })
  @ApiCreatedResponse({ type: PathRuleDto })
  @ApiProblems(400)
  create(@Body() body: CreatePathRuleDto): Promise<PathRuleDto> {
    return this.rules.createPathRule(body);
  }

  @Get()
  @ApiOperation({ summary: 'List path rules, oldest first' })
  @ApiOkResponse({ type: PathRulePageDto })
  @ApiProblems(400)
  list(@Query() query: PageQueryDto): Promise<PathRulePageDto> {
    return this.rules.listPathRules(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a path rule' })
  @ApiOkResponse({ type: PathRuleDto })
  @ApiProblems(400, 404)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<PathRuleDto> {
    return this.rules.getPathRule(id);
  }

  @Audited('path-rule.update')
  @Patch(':id')
  @ApiOperation({ summary: 'Change a path rule' })
  @ApiOkResponse({ type: PathRuleDto })
  @ApiProblems(400, 404)
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdatePathRuleDto,
  ): Promise<PathRuleDto> {
    return this.rules.updatePathRule(id, body);
  }

  @Audited('path-rule.delete')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a path rule' })
  @ApiNoContentResponse()
  @ApiProblems(400, 404)
  delete(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.rules.deletePathRule(id);
  }
}

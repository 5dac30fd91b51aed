import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Audited } from '../../audit/audited.decorator.js';
import { AdminEndpoint } from '../../auth/admin-endpoint.decorator.js';
import { ApiProblems } from '../../common/api-problems.decorator.js';
import { CreateRoute, ListRoute, recordRoutes } from '../../common/crud-routes.decorator.js';
import { ProblemException } from '../../common/problem.js';
import {
  CreateRuleRequestDto,
  DefaultRuleDto,
  DefaultRuleViewDto,
  LintRequestDto,
  LintResultDto,
  ReplaceRulesDto,
  RuleChangeDto,
  RuleDto,
  RuleListDto,
  RulePlacementDto,
  UpdateRuleDto,
} from './rules.dto.js';
import { RulesService } from './rules.service.js';

const { ReadRoute, UpdateRoute, DeleteRoute } = recordRoutes(':name');
const DESCRIPTION =
  'Rules are an ordered list: the first rule that matches a request (by host, path and method) ' +
  'decides it, and the default rule decides what none matched. Changes take effect on every ' +
  'instance within a second. The answer carries lint warnings about the whole list.';

/** The ordered authorization rules (docs/authorization.md). */
@Controller('v1/admin/rules')
@AdminEndpoint('rules')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get()
  @ApiOperation({
    summary: 'The whole ordered list, its version and lint warnings',
    description: 'The ETag header carries the version, for If-Match on PUT.',
  })
  @ApiOkResponse({ type: RuleListDto })
  async list(@Res({ passthrough: true }) reply: FastifyReply): Promise<RuleListDto> {
    const list = await this.rules.list();
    void reply.header('etag', `"${list.version}"`);
    return list;
  }

  @Audited('rules.replace')
  @Put()
  @ApiOperation({
    summary: 'Replace the whole list at once',
    description:
      'Atomic: every rule is checked first, and nothing changes if one is refused. If-Match must ' +
      'carry the version the change was made against (the ETag of GET); a stale one gets 412. ' +
      'Rules keep their identity by name.',
  })
  @ApiHeader({ name: 'If-Match', required: true, description: 'The version read, as "7"' })
  @ApiOkResponse({ type: RuleListDto })
  @ApiProblems(400, 412, 428)
  async replace(
    @Body() body: ReplaceRulesDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RuleListDto> {
    const list = await this.rules.replace(body, versionIn(ifMatch));
    void reply.header('etag', `"${list.version}"`);
    return list;
  }

  @Post('lint')
  @HttpCode(200)
  @ApiOperation({ summary: 'Lint a list without storing it', description: DESCRIPTION })
  @ApiOkResponse({ type: LintResultDto })
  @ApiProblems(400)
  lint(@Body() body: LintRequestDto): LintResultDto {
    return this.rules.lint(body);
  }

  @Audited('rule.create')
  @CreateRoute(
    { summary: 'Add a rule (at the end, or before or after another)', description: DESCRIPTION },
    RuleChangeDto,
    400,
    409,
  )
  create(@Body() body: CreateRuleRequestDto): Promise<RuleChangeDto> {
    return this.rules.create(body);
  }

  /** One rule by name; without one (as the audit trail reads "before"), the whole list. */
  @ReadRoute('Get a rule by name', RuleDto)
  get(@Param('name') name?: string): Promise<RuleDto | RuleListDto> {
    return name === undefined ? this.rules.list() : this.rules.get(name);
  }

  @Audited('rule.update')
  @UpdateRoute(
    {
      summary: 'Change a rule',
      description: 'Fields left out stay as they are; so do match fields.',
    },
    RuleChangeDto,
    400,
    404,
    409,
  )
  update(@Param('name') name: string, @Body() body: UpdateRuleDto): Promise<RuleChangeDto> {
    return this.rules.update(name, body);
  }

  @Audited('rule.move')
  @Post(':name/move')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move a rule before or after another (or to the end)' })
  @ApiOkResponse({ type: RuleChangeDto })
  @ApiProblems(400, 404)
  move(@Param('name') name: string, @Body() body: RulePlacementDto): Promise<RuleChangeDto> {
    return this.rules.move(name, body);
  }

  @Audited('rule.delete')
  @DeleteRoute('Delete a rule')
  delete(@Param('name') name: string): Promise<void> {
    return this.rules.delete(name);
  }
}

/** The default rule: what decides a request that no rule matched. */
@Controller('v1/admin/default-rule')
@AdminEndpoint('rules')
export class DefaultRuleController {
  constructor(private readonly rules: RulesService) {}

  @ListRoute('The default rule', DefaultRuleViewDto)
  get(): Promise<DefaultRuleViewDto> {
    return this.rules.getDefault();
  }

  @Audited('default-rule.update')
  @Put()
  @ApiOperation({
    summary: 'Set the default rule',
    description: '`authenticated` (with optional requirements) or `deny`.',
  })
  @ApiResponse({ status: 200, type: DefaultRuleViewDto })
  @ApiProblems(400)
  set(@Body() body: DefaultRuleDto): Promise<DefaultRuleViewDto> {
    return this.rules.setDefault(body);
  }
}

/** The version in an If-Match header: `"7"`, `W/"7"` or `7`. */
function versionIn(ifMatch: string | undefined): number {
  if (ifMatch === undefined || ifMatch.trim() === '') {
    throw new ProblemException(
      428,
      'Send If-Match with the version the change was made against (the ETag of GET /v1/admin/rules)',
      { title: 'Precondition Required' },
    );
  }
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(ifMatch);
  if (match === null) {
    throw new ProblemException(
      412,
      `If-Match ${JSON.stringify(ifMatch)} names no version of the rules`,
      {
        title: 'Precondition Failed',
      },
    );
  }
  return Number(match[1]);
}

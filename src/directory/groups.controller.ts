import { UuidParamPipe } from '../common/path-params.js';
import { Audited } from '../audit/audited.decorator.js';
import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import {
  CreateRoute,
  DeleteRoute,
  ListRoute,
  ReadRoute,
  UpdateRoute,
} from '../common/crud-routes.decorator.js';
import { AdminEndpoint } from '../auth/admin-endpoint.decorator.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { PageQueryDto } from '../common/pagination.js';
import {
  CreateGroupDto,
  GroupDto,
  GroupPageDto,
  ListGroupsQueryDto,
  UpdateGroupDto,
  UserPageDto,
} from './directory.dto.js';
import { DirectoryService } from './directory.service.js';

@Controller('v1/admin/groups')
@AdminEndpoint('groups')
export class GroupsController {
  constructor(private readonly directory: DirectoryService) {}

  @Audited('group.create')
  @CreateRoute('Create a group', GroupDto, 400, 409)
  create(@Body() body: CreateGroupDto): Promise<GroupDto> {
    return this.directory.createGroup(body);
  }

  @ListRoute('List groups, or those whose name contains a text', GroupPageDto)
  list(@Query() query: ListGroupsQueryDto): Promise<GroupPageDto> {
    return this.directory.listGroups(query);
  }

  @ReadRoute('Get a group', GroupDto)
  get(@Param('id', UuidParamPipe) id: string): Promise<GroupDto> {
    return this.directory.getGroup(id);
  }

  @Audited('group.update')
  @UpdateRoute('Rename or describe a group', GroupDto, 400, 404, 409)
  update(@Param('id', UuidParamPipe) id: string, @Body() body: UpdateGroupDto): Promise<GroupDto> {
    return this.directory.updateGroup(id, body);
  }

  @Audited('group.delete')
  @DeleteRoute('Delete a group and its memberships')
  delete(@Param('id', UuidParamPipe) id: string): Promise<void> {
    return this.directory.deleteGroup(id);
  }

  @Get(':id/members')
  @ApiOperation({ summary: 'List the members of a group' })
  @ApiOkResponse({ type: UserPageDto })
  @ApiProblems(400, 404)
  members(
    @Param('id', UuidParamPipe) id: string,
    @Query() query: PageQueryDto,
  ): Promise<UserPageDto> {
    return this.directory.listMembers(id, query);
  }

  @Audited('group.add-member')
  @Put(':id/members/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Add a user to a group (idempotent)' })
  @ApiNoContentResponse()
  @ApiProblems(400, 404)
  addMember(
    @Param('id', UuidParamPipe) id: string,
    @Param('userId', UuidParamPipe) userId: string,
  ): Promise<void> {
    return this.directory.addMember(id, userId);
  }

  @Audited('group.remove-member')
  @Delete(':id/members/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a user from a group' })
  @ApiNoContentResponse()
  @ApiProblems(400, 404)
  removeMember(
    @Param('id', UuidParamPipe) id: string,
    @Param('userId', UuidParamPipe) userId: string,
  ): Promise<void> {
    return this.directory.removeMember(id, userId);
  }
}

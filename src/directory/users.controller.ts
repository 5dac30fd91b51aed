import { UuidParamPipe } from '../common/path-params.js';
import { Audited } from '../audit/audited.decorator.js';
import { Body, Controller, Param, Query } from '@nestjs/common';
import {
  CreateRoute,
  DeleteRoute,
  ListRoute,
  ReadRoute,
  UpdateRoute,
} from '../common/crud-routes.decorator.js';
import { AdminEndpoint } from '../auth/admin-endpoint.decorator.js';
import {
  CreateUserDto,
  ListUsersQueryDto,
  UpdateUserDto,
  UserDto,
  UserPageDto,
} from './directory.dto.js';
import { DirectoryService } from './directory.service.js';

@Controller('v1/admin/users')
@AdminEndpoint('users')
export class UsersController {
  constructor(private readonly directory: DirectoryService) {}

  @Audited('user.create')
  @CreateRoute('Create a user', UserDto, 400, 409)
  create(@Body() body: CreateUserDto): Promise<UserDto> {
    return this.directory.createUser(body);
  }

  @ListRoute('List users, optionally only the members of a group', UserPageDto)
  list(@Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    return this.directory.listUsers(query);
  }

  @ReadRoute('Get a user', UserDto)
  get(@Param('id', UuidParamPipe) id: string): Promise<UserDto> {
    return this.directory.getUser(id);
  }

  @Audited('user.update')
  @UpdateRoute('Change a user; disabling one refuses all their credentials', UserDto, 400, 404, 409)
  update(@Param('id', UuidParamPipe) id: string, @Body() body: UpdateUserDto): Promise<UserDto> {
    return this.directory.updateUser(id, body);
  }

  @Audited('user.delete')
  @DeleteRoute('Delete a user, with their keys and memberships')
  delete(@Param('id', UuidParamPipe) id: string): Promise<void> {
    return this.directory.deleteUser(id);
  }
}

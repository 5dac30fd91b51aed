import { Audited } from '../audit/audited.decorator.js';
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
import { AdminEndpoint } from '../auth/admin-endpoint.decorator.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
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
  @Post()
  @ApiOperation({ summary: 'Create a user' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiProblems(400, 409)
  create(@Body() body: CreateUserDto): Promise<UserDto> {
    return this.directory.createUser(body);
  }

  @Get()
  @ApiOperation({ summary: 'List users, optionally only the members of a group' })
  @ApiOkResponse({ type: UserPageDto })
  @ApiProblems(400)
  list(@Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    return this.directory.listUsers(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a user' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(400, 404)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<UserDto> {
    return this.directory.getUser(id);
  }

  @Audited('user.update')
  @Patch(':id')
  @ApiOperation({ summary: 'Change a user; disabling one refuses all their credentials' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(400, 404, 409)
  update(@Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateUserDto): Promise<UserDto> {
    return this.directory.updateUser(id, body);
  }

  @Audited('user.delete')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user, with their keys and memberships' })
  @ApiNoContentResponse()
  @ApiProblems(400, 404)
  delete(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.directory.deleteUser(id);
  }
}

import { Audited } from '../audit/audited.decorator.js';
import { Body, Controller, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import {
  CreateRoute,
  DeleteRoute,
  ListRoute,
  ReadRoute,
  UpdateRoute,
} from '../common/crud-routes.decorator.js';
import { AdminEndpoint } from '../auth/admin-endpoint.decorator.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { PROBLEM_TYPES, ProblemException } from '../common/problem.js';
import { User } from '../directory/user.entity.js';
import type { Principal } from './api-key-authenticator.js';
import {
  CreatedKeyDto,
  CreateKeyDto,
  KeyDto,
  KeyPageDto,
  ListKeysQueryDto,
  UpdateKeyDto,
} from './keys.dto.js';
import { ApiKeyRefParam, KeyRefPipe } from './key-ref.pipe.js';
import { KeysService } from './keys.service.js';

@Controller('v1/admin/keys')
@AdminEndpoint('keys')
export class KeysController {
  constructor(
    private readonly keys: KeysService,
    private readonly dataSource: DataSource,
  ) {}

  @Audited('key.create', { secrets: ['key'] })
  @CreateRoute(
    {
      summary: 'Create a key for any user',
      description: 'The response holds the key itself, once: it is stored only as a hash.',
    },
    CreatedKeyDto,
    400,
    404,
  )
  async create(
    @Body() body: CreateKeyDto,
    @CurrentPrincipal() caller: Principal,
  ): Promise<CreatedKeyDto> {
    return this.keys.create({
      ownerId: await this.ownerId(body),
      name: body.name,
      description: body.description,
      type: body.type,
      expiresIn: body.expiresIn,
      createdById: caller.userId,
      emailToOwner: body.emailToOwner,
      allowedIps: body.allowedIps,
      scopes: body.scopes,
      routes: body.routes,
      rateLimit: body.rateLimit,
    });
  }

  @ListRoute('List keys, by owner, state and a part of their name', KeyPageDto)
  @ApiProblems(404)
  async list(@Query() query: ListKeysQueryDto): Promise<KeyPageDto> {
    if (query.owner === undefined) return this.keys.list(query);
    // An unknown owner is said so: an empty page would read as "this user has no keys".
    const owner = await this.findUser(query.owner);
    if (!owner) {
      throw new ProblemException(404, `No user named "${query.owner}"`, {
        errors: [{ pointer: '#/owner', detail: `no user is named "${query.owner}"` }],
      });
    }
    if (query.userId !== undefined && query.userId !== owner.id) {
      throw new ProblemException(400, 'userId and owner name different users: give one of them', {
        type: PROBLEM_TYPES.validation,
        errors: [{ pointer: '#/owner', detail: 'names another user than userId' }],
      });
    }
    return this.keys.list({ ...query, userId: owner.id });
  }

  @ReadRoute('Get a key (never the key itself)', KeyDto)
  @ApiKeyRefParam()
  get(@Param('id', KeyRefPipe) id: string): Promise<KeyDto> {
    return this.keys.get(id);
  }

  @Audited('key.update')
  @UpdateRoute(
    {
      summary: 'Rename a key, or change the addresses it may be used from',
      description: 'A new allowedIps list is enforced on every instance within a second.',
    },
    KeyDto,
    400,
    404,
  )
  @ApiKeyRefParam()
  update(@Param('id', KeyRefPipe) id: string, @Body() body: UpdateKeyDto): Promise<KeyDto> {
    return this.keys.update(id, body);
  }

  @Audited('key.revoke')
  @Post(':id/revoke')
  @ApiKeyRefParam()
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a key (idempotent); every instance refuses it from then on' })
  @ApiOkResponse({ type: KeyDto })
  @ApiProblems(400, 404)
  revoke(@Param('id', KeyRefPipe) id: string): Promise<KeyDto> {
    return this.keys.revoke(id);
  }

  @Audited('key.delete')
  @DeleteRoute('Delete a key')
  @ApiKeyRefParam()
  delete(@Param('id', KeyRefPipe) id: string): Promise<void> {
    return this.keys.delete(id);
  }

  private async ownerId(body: CreateKeyDto): Promise<string> {
    if (body.username === undefined) return body.userId!;
    const owner = await this.findUser(body.username);
    if (!owner) throw new NotFoundException(`No user named "${body.username}"`);
    if (body.userId !== undefined && body.userId !== owner.id) {
      throw new ProblemException(
        400,
        'userId and username name different users: give one of them',
        {
          type: PROBLEM_TYPES.validation,
          errors: [{ pointer: '#/username', detail: 'names another user than userId' }],
        },
      );
    }
    return owner.id;
  }

  /** A user by username, in any case. */
  private findUser(username: string): Promise<User | null> {
    return this.dataSource
      .getRepository(User)
      .createQueryBuilder('u')
      .where('lower(u.username) = lower(:username)', { username })
      .getOne();
  }
}

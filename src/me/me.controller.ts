import { wideningOf } from '../keys/key-narrowing.js';
import { Audited } from '../audit/audited.decorator.js';
import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBasicAuth,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { KeyAuthGuard } from '../auth/admin.guard.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { PROBLEM_TYPES, ProblemException } from '../common/problem.js';
import type { Principal } from '../keys/api-key-authenticator.js';
import { CreatedKeyDto, KeyDto, KeyPageDto } from '../keys/keys.dto.js';
import { ApiKeyRefParam, KeyRefPipe } from '../keys/key-ref.pipe.js';
import { KeysService } from '../keys/keys.service.js';
import { SettingsService } from '../settings/settings.service.js';
import { CreateOwnKeyDto, ListOwnKeysQueryDto, MeDto } from './me.dto.js';

/**
 * Self-service: any user with a valid key sees who they are and manages their own keys. Creating
 * keys needs the allowSelfServiceKeys setting; listing and revoking one's own keys are always
 * allowed (revoking a leaked key should never wait for an admin). No route takes another user.
 */
@Controller('v1/me')
@ApiTags('self-service')
@ApiBearerAuth('key')
@ApiBasicAuth('basicKey')
@ApiProblems(401, 403)
@UseGuards(KeyAuthGuard)
export class MeController {
  constructor(
    private readonly keys: KeysService,
    private readonly settings: SettingsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Who the caller is' })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentPrincipal() me: Principal): MeDto {
    return {
      userId: me.userId,
      username: me.username,
      email: me.email,
      displayName: me.displayName,
      groups: me.groups,
      keyId: me.credential.keyId,
      selfServiceKeys: this.settings.current().allowSelfServiceKeys,
    };
  }

  @Get('keys')
  @ApiOperation({ summary: "List the caller's own keys" })
  @ApiOkResponse({ type: KeyPageDto })
  @ApiProblems(400)
  list(
    @Query() query: ListOwnKeysQueryDto,
    @CurrentPrincipal() me: Principal,
  ): Promise<KeyPageDto> {
    return this.keys.list({ ...query, userId: me.userId });
  }

  @Audited('key.create', { secrets: ['key'] })
  @Post('keys')
  @ApiOperation({
    summary: 'Create a key for oneself (when allowSelfServiceKeys is on)',
    description:
      'Bounded by maxKeyLifetime and maxActiveKeysPerUser, as for keys an admin creates. The ' +
      'response holds the key itself, once.',
  })
  @ApiCreatedResponse({ type: CreatedKeyDto })
  @ApiProblems(400, 409)
  create(@Body() body: CreateOwnKeyDto, @CurrentPrincipal() me: Principal): Promise<CreatedKeyDto> {
    if (!this.settings.current().allowSelfServiceKeys) {
      throw new ProblemException(
        403,
        'Self-service keys are switched off: ask an admin for a key',
        {
          type: PROBLEM_TYPES.selfServiceOff,
          title: 'Self-service keys are off',
        },
      );
    }
    const widening = wideningOf(me, {
      scopes: body.scopes,
      routes: body.routes?.map((route) => ({ methods: route.methods ?? [], paths: route.paths })),
    });
    if (widening.length > 0) {
      throw new ProblemException(
        400,
        `A key you make may narrow what yours may do, never widen it: ${widening.map((p) => p.detail).join('; ')}`,
        { type: PROBLEM_TYPES.validation, errors: widening },
      );
    }
    return this.keys.create({
      ownerId: me.userId,
      name: body.name,
      description: body.description,
      type: body.type,
      expiresIn: body.expiresIn,
      createdById: me.userId,
      emailToOwner: body.emailToOwner,
      allowedIps: body.allowedIps,
      scopes: body.scopes,
      routes: body.routes,
    });
  }

  @Audited('key.revoke')
  @Post('keys/:id/revoke')
  @ApiKeyRefParam()
  @HttpCode(200)
  @ApiOperation({ summary: "Revoke one of the caller's own keys (idempotent)" })
  @ApiOkResponse({ type: KeyDto })
  @ApiProblems(400, 404)
  revoke(@Param('id', KeyRefPipe) id: string, @CurrentPrincipal() me: Principal): Promise<KeyDto> {
    return this.keys.revoke(id, me.userId);
  }
}

import {
  ApiProperty,
  ApiPropertyOptional,
  IntersectionType,
  PartialType,
  PickType,
} from '@nestjs/swagger';
import { IpOrCidrConstraint } from '../common/ip-range.js';
import {
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  Validate,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import {
  HttpMethods,
  PathPatternConstraint,
  SCOPE_TOKEN,
  SCOPE_TOKEN_MESSAGE,
} from '../policies/rules/rules.dto.js';
import { PageMetaDto, PageQueryDto } from '../common/pagination.js';
import { RateLimitField } from '../limits/rate-limit.dto.js';
import { USERNAME_PATTERN } from '../directory/directory.dto.js';
import { API_KEY_TYPES, type ApiKeyType } from './api-key.entity.js';
import { LIFETIME_DESCRIPTION, LIFETIME_PATTERN } from './key-lifetime.js';

/** Where a key may be used: some methods, on some paths. */
export class KeyRouteDto {
  @HttpMethods('HTTP methods; empty or absent: every method')
  methods?: string[];

  @ApiProperty({
    type: [String],
    example: ['/partners/**'],
    description:
      'Path patterns, as rules write them. Matched as public rules match: case-sensitively, and ' +
      'never a path that needed normalising.',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @MaxLength(1000, { each: true })
  @Validate(PathPatternConstraint, { each: true })
  paths: string[];
}

export const KEY_STATES = ['active', 'expired', 'revoked'] as const;
export type KeyState = (typeof KEY_STATES)[number];

const EXPIRES_IN_PATTERN = new RegExp(`^(never|${LIFETIME_PATTERN.source.slice(1, -1)})$`);

export class CreateKeyDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The owner, by id (give this or `username`)',
  })
  @ValidateIf((dto: CreateKeyDto) => dto.username === undefined || dto.userId !== undefined)
  @IsUUID('all', { message: 'must be a UUID (or give username instead)' })
  userId?: string;

  @ApiPropertyOptional({
    example: 'alice',
    description: 'The owner, by username (give this or `userId`)',
  })
  @ValidateIf((dto: CreateKeyDto) => dto.username !== undefined)
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'is not a valid username' })
  username?: string;

  @ApiProperty({ example: 'ci-deploy', description: 'What the key is for' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiProperty({
    enum: API_KEY_TYPES,
    description:
      '`bearer`: sent as `Authorization: Bearer <key>`; `basic`: sent as Basic `username:key`',
  })
  @IsIn(API_KEY_TYPES)
  type: ApiKeyType;

  @ApiProperty({
    example: '90 days',
    description: `How long the key stays valid: "never", or ${LIFETIME_DESCRIPTION.toLowerCase()}. Bounded by the maxKeyLifetime setting.`,
  })
  @IsString()
  @Matches(EXPIRES_IN_PATTERN, {
    message: `must be "never" or ${LIFETIME_DESCRIPTION.toLowerCase()}`,
  })
  expiresIn: string;

  @ApiPropertyOptional({
    default: false,
    description:
      "E-mail the key to its owner's address (needs SMTP_URL and an owner with an email)",
  })
  @IsOptional()
  @IsBoolean()
  emailToOwner?: boolean;

  @ApiPropertyOptional({
    type: [String],
    example: ['203.0.113.0/24'],
    description: 'Only from these client addresses or ranges; empty or absent: any address',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Validate(IpOrCidrConstraint, { each: true })
  allowedIps?: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['orders:read'],
    description: 'Scopes the key carries, for rules that require scopes',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(SCOPE_TOKEN, { each: true, message: SCOPE_TOKEN_MESSAGE })
  scopes?: string[];

  @ApiPropertyOptional({
    type: [KeyRouteDto],
    description:
      'Where the key may be used: a request that matches none of these is refused with 403 ' +
      "route_denied, whatever its owner's groups allow. Empty or absent: wherever the owner may. " +
      'A key limited to routes cannot use the admin API.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => KeyRouteDto)
  routes?: KeyRouteDto[];

  @RateLimitField(
    'Request quota of this key, on every interface and shared by every instance (admins only).',
  )
  rateLimit?: string | null;
}

/** What can change on an existing key: its label, where it may be used from and on, its scopes and
 * quota. */
export class UpdateKeyDto extends PartialType(
  PickType(CreateKeyDto, [
    'name',
    'description',
    'allowedIps',
    'scopes',
    'routes',
    'rateLimit',
  ] as const),
) {}

export class KeyDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({
    example: 'Xk3f9QaZ',
    description: 'Public id, embedded in the key after its prefix',
  })
  keyId: string;
  @ApiProperty()
  name: string;
  @ApiProperty({ type: String, nullable: true })
  description: string | null;
  @ApiProperty({ enum: API_KEY_TYPES })
  type: ApiKeyType;
  @ApiProperty({ enum: KEY_STATES })
  state: KeyState;
  @ApiProperty({ format: 'uuid' })
  userId: string;
  @ApiProperty()
  username: string;
  @ApiProperty({ format: 'uuid', type: String, nullable: true })
  createdById: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({
    format: 'date-time',
    type: String,
    nullable: true,
    description: 'null: never expires',
  })
  expiresAt: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true })
  lastUsedAt: string | null;
  @ApiProperty({ format: 'date-time', type: String, nullable: true })
  revokedAt: string | null;
  @ApiProperty({ type: [String], description: 'Client addresses and ranges; empty: any' })
  allowedIps: string[];
  @ApiProperty({ type: [String] })
  scopes: string[];
  @ApiProperty({ type: [KeyRouteDto], description: 'Where the key may be used; empty: anywhere' })
  routes: KeyRouteDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    example: '600 per minute',
    description: 'Request quota of this key; null: none',
  })
  rateLimit: string | null;
}

export class CreatedKeyDto extends KeyDto {
  @ApiProperty({
    example: 'pcl_Xk3f9QaZ0123456789abcdefghijABCDEFGHIJ1a2B3c',
    description:
      'The key itself. Shown in this response only: it is stored as a hash and cannot be shown again.',
  })
  key: string;

  @ApiProperty({
    description:
      'Whether the mail server accepted the e-mail to the owner (false when none was asked for)',
  })
  emailed: boolean;
}

export class KeyPageDto extends PageMetaDto {
  @ApiProperty({ type: [KeyDto] })
  items: KeyDto[];
}

class KeyFilterDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only keys of this owner' })
  @IsOptional()
  @IsUUID('all')
  userId?: string;

  @ApiPropertyOptional({
    description:
      'Only keys of the user with this username (any case); an unknown username is a 404, not an empty page',
  })
  @IsOptional()
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'is not a valid username' })
  owner?: string;

  @ApiPropertyOptional({ enum: KEY_STATES })
  @IsOptional()
  @IsIn(KEY_STATES)
  state?: KeyState;

  @ApiPropertyOptional({
    description: 'Only keys whose name or key id contains this text (any case)',
    maxLength: 100,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  search?: string;
}

export class ListKeysQueryDto extends IntersectionType(PageQueryDto, KeyFilterDto) {}

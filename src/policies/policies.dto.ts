import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Validate,
  ValidateIf,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { IpOrCidrConstraint } from '../common/ip-range.js';
import { PageMetaDto } from '../common/pagination.js';
import { GROUP_NAME_PATTERN } from '../directory/directory.dto.js';
import { hostPatternProblem } from './host-pattern.js';
import { pathPatternProblem } from './path-pattern.js';
import { PATH_ACCESS, type PathAccess } from './path-rule.entity.js';

const PATTERN_SYNTAX =
  'A normalised path: `/status` (exactly, with or without a trailing slash), `/docs/*` (one ' +
  'segment below /docs; `*` matches within a segment), `/docs/**` (/docs and everything below). ' +
  'Case-sensitive.';
const HOST_SYNTAX =
  'Only requests for this host: a name such as `api.example.com`, `*` standing for one or more ' +
  'characters (`*.example.com`). Case and port are ignored. Null (the default): every host.';

@ValidatorConstraint({ name: 'pathPattern' })
class PathPatternConstraint implements ValidatorConstraintInterface {
  private problem: string | undefined;
  validate(value: unknown): boolean {
    this.problem = typeof value === 'string' ? pathPatternProblem(value) : 'must be a string';
    return this.problem === undefined;
  }
  defaultMessage(): string {
    return this.problem ?? 'is not a valid path pattern';
  }
}

@ValidatorConstraint({ name: 'hostPattern' })
class HostPatternConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && hostPatternProblem(value) === undefined;
  }
  defaultMessage(): string {
    return hostPatternProblem('') ?? 'is not a valid host pattern';
  }
}

/** An optional host scope: a host or host pattern, or null for every host. */
const HostScope = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: String,
      nullable: true,
      example: 'api.example.com',
      description: HOST_SYNTAX,
    }),
    ValidateIf((_, value) => value !== null),
    IsOptional(),
    IsString(),
    MaxLength(255),
    Validate(HostPatternConstraint),
  );

/** An optional free-text description, or null. */
const Description = () =>
  applyDecorators(
    ApiPropertyOptional({ type: String, nullable: true, maxLength: 500 }),
    ValidateIf((_, value) => value !== null),
    IsOptional(),
    IsString(),
    MaxLength(500),
  );

/** An optional list of existing group names. */
const GroupNames = (example: string, description: string) =>
  applyDecorators(
    ApiPropertyOptional({ type: [String], example: [example], description }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(100),
    Matches(GROUP_NAME_PATTERN, { each: true, message: 'must contain only group names' }),
  );

export class CreatePathRuleDto {
  @ApiProperty({
    enum: PATH_ACCESS,
    description:
      '`public`: anonymous requests pass (a credential, when sent, is still checked). ' +
      '`restricted`: a credential is needed even where a public rule matches. ' +
      '`bypass`: passed without any check, for the upstream to authenticate.',
  })
  @IsIn(PATH_ACCESS)
  access: PathAccess;

  @ApiProperty({ example: '/docs/**', maxLength: 1000, description: PATTERN_SYNTAX })
  @IsString()
  @MaxLength(1000)
  @Validate(PathPatternConstraint)
  pattern: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['GET', 'HEAD'],
    description: 'Only these methods; empty or absent: every method',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[A-Za-z]{1,20}$/, { each: true, message: 'must contain only HTTP methods' })
  methods?: string[];

  @HostScope()
  host?: string | null;

  @Description()
  description?: string | null;
}

export class UpdatePathRuleDto extends PartialType(CreatePathRuleDto) {}

export class PathRuleDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ enum: PATH_ACCESS })
  access: PathAccess;
  @ApiProperty({ description: PATTERN_SYNTAX })
  pattern: string;
  @ApiProperty({ type: [String], description: 'Empty: every method' })
  methods: string[];
  @ApiProperty({ type: String, nullable: true, description: HOST_SYNTAX })
  host: string | null;
  @ApiProperty({ type: String, nullable: true })
  description: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class PathRulePageDto extends PageMetaDto {
  @ApiProperty({ type: [PathRuleDto] })
  items: PathRuleDto[];
}

export class CreateAccessRuleDto {
  @HostScope()
  host?: string | null;

  @ApiPropertyOptional({
    type: [String],
    example: ['10.0.0.0/8', '2001:db8::/32'],
    description: 'Only clients from these addresses or ranges; empty: any address',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Validate(IpOrCidrConstraint, { each: true })
  allowedIps?: string[];

  @GroupNames('api-users', 'Only members of one of these groups; empty: every authenticated user')
  allowedGroups?: string[];

  @GroupNames(
    'auditors',
    'Members may only use GET, HEAD and OPTIONS (unless in a full-access group)',
  )
  readOnlyGroups?: string[];

  @GroupNames('operators', 'Members keep full access even when also in one of the read-only groups')
  fullAccessGroups?: string[];

  @Description()
  description?: string | null;
}

export class UpdateAccessRuleDto extends PartialType(CreateAccessRuleDto) {}

export class AccessRuleDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty({ type: String, nullable: true, description: HOST_SYNTAX })
  host: string | null;
  @ApiProperty({ type: [String] })
  allowedIps: string[];
  @ApiProperty({ type: [String] })
  allowedGroups: string[];
  @ApiProperty({ type: [String] })
  readOnlyGroups: string[];
  @ApiProperty({ type: [String] })
  fullAccessGroups: string[];
  @ApiProperty({ type: String, nullable: true })
  description: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class AccessRulePageDto extends PageMetaDto {
  @ApiProperty({ type: [AccessRuleDto] })
  items: AccessRuleDto[];
}
